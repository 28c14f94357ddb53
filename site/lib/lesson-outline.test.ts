import { describe, expect, it } from 'vitest';
import { buildLessonOutline, checkLessonOutline, LessonOutlineError, neighboursOf, type LessonSource } from './lesson-outline';
import type { LessonData } from './lesson-schema';

const question = { question: 'Which?', choices: [{ text: 'This', correct: true, why: 'Because.' }, { text: 'That', correct: false, why: 'Not so.' }] };
const data = (overrides: Partial<LessonData> = {}): LessonData => ({
  title: 'A lesson',
  summary: 'What it teaches.',
  kind: 'concept',
  authOptions: [],
  outcomes: ['Say what it teaches.'],
  questions: [question, question],
  specLinks: [],
  status: 'ready',
  ...overrides,
});
const lesson = (id: string, overrides: Partial<LessonData> = {}, body = ''): LessonSource => ({ id, data: data(overrides), body });

describe('buildLessonOutline', () => {
  it('orders lessons by folder number and derives slug and URL from the folder name', () => {
    const outline = buildLessonOutline([lesson('02-discovery'), lesson('10-later'), lesson('01-why-authorization')]);
    expect(outline.map(({ order, slug, href }) => ({ order, slug, href }))).toEqual([
      { order: 1, slug: 'why-authorization', href: '/lessons/why-authorization/' },
      { order: 2, slug: 'discovery', href: '/lessons/discovery/' },
      { order: 10, slug: 'later', href: '/lessons/later/' },
    ]);
  });

  it('reports every problem at once, naming the folders and the fix', () => {
    const sources = [
      lesson('01-roles', {}, 'See [discovery](/lessons/discovery) and [GitHub](/lessons/third-party).'),
      lesson('02-discovery'),
      lesson('02-registration', {}, 'Next: <a href="/lessons/nowhere">?</a>'),
      lesson('03-third-party', { status: 'planned' }),
      lesson('Transports'),
    ];
    expect(checkLessonOutline(sources)).toEqual([
      'lessons/Transports: name the folder NN-slug, e.g. "04-authorization-code" (two digits, then kebab-case).',
      'Lesson number 02 is used by lessons/02-discovery and lessons/02-registration: give each lesson its own number.',
      'lessons/01-roles is ready but links to lessons/03-third-party, which is planned: remove the link or finish that lesson first.',
      'lessons/02-registration links to /lessons/nowhere, but no lesson has that slug.',
    ]);
    expect(() => buildLessonOutline(sources)).toThrow(LessonOutlineError);
    expect(() => buildLessonOutline(sources)).toThrow(/Lesson number 02 is used by/);
  });

  it('a ready lesson needs its outcomes and at least two questions; a planned one does not', () => {
    expect(checkLessonOutline([lesson('01-a', { outcomes: [], questions: [question] }), lesson('02-b', { status: 'planned', outcomes: [], questions: [] })])).toEqual([
      'lessons/01-a is ready but says nothing of what the reader will be able to do: add "outcomes" to its frontmatter.',
      'lessons/01-a is ready but has 1 question(s): add 2 to 4 "questions" that check its outcomes.',
    ]);
  });

  it('a ready lesson with a player sets the player a task', () => {
    expect(checkLessonOutline([lesson('01-a', { diagram: 'worker-oauth' }), lesson('02-b', { diagram: 'worker-oauth', player: { task: 'Predict.' } }), lesson('03-c', { status: 'planned', diagram: 'x' })])).toEqual([
      'lessons/01-a is ready and has a player but no task: add "player: { task: … }" saying what to predict before pressing Run.',
    ]);
  });

  it('lets a planned lesson mention other planned lessons', () => {
    expect(checkLessonOutline([lesson('01-a', { status: 'planned' }, '[b](/lessons/b)'), lesson('02-b', { status: 'planned' })])).toEqual([]);
  });
});

describe('neighboursOf', () => {
  const outline = buildLessonOutline([lesson('01-a'), lesson('02-b'), lesson('03-c')]);
  it.each([
    ['a', undefined, 'b'],
    ['b', 'a', 'c'],
    ['c', 'b', undefined],
  ])('%s sits between %s and %s', (slug, previous, next) => {
    const found = neighboursOf(outline, slug);
    expect(found.previous?.slug).toBe(previous);
    expect(found.next?.slug).toBe(next);
  });
});
