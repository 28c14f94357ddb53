import type { LessonData } from './lesson-schema';

/**
 * The lesson outline: order, URLs and neighbours, built from the `lessons` collection. Folder
 * names carry the order (`lessons/03-client-registration/` is lesson 3 at
 * `/lessons/client-registration`). Pure: the Astro side passes entries in, so tests can pass fakes.
 */

/** What the outline needs from a collection entry: its id (the folder name), data and Markdown. */
export interface LessonSource {
  id: string;
  data: LessonData;
  body?: string;
}

export interface Lesson extends LessonData {
  /** From the folder number: 1, 2, 3 ... */
  order: number;
  /** From the folder name without its number; the URL segment. */
  slug: string;
  href: string;
  /** The collection id, for `render()`. */
  id: string;
}

const FOLDER_NAME = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;
const LESSON_LINK = /(?:\]\(|href=["'])\/lessons\/([a-z0-9-]+)/g;

// With a trailing slash: that is where the prerendered page lives, so links skip a redirect.
export const lessonHref = (slug: string) => `/lessons/${slug}/`;

/** The collection id of `lessons/01-why-authorization/index.md` is its folder name. */
export const lessonIdFromPath = (entryPath: string) => entryPath.split('/')[0];

export class LessonOutlineError extends Error {
  constructor(readonly problems: string[]) {
    super(`The lessons in lessons/ need fixing:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'LessonOutlineError';
  }
}

/**
 * Every rule that spans lessons, as messages that say what was found and how to fix it:
 * folder names, unique numbers and slugs, links between lessons (a ready lesson must not send
 * readers to a planned one, and every link must reach a lesson), and what a ready lesson must
 * have: its outcomes, questions to check them, and a task for its player if it has one.
 */
export function checkLessonOutline(sources: readonly LessonSource[]): string[] {
  const problems: string[] = [];
  const byOrder = new Map<number, string[]>();
  const bySlug = new Map<string, LessonSource>();

  for (const source of sources) {
    const match = FOLDER_NAME.exec(source.id);
    if (!match) {
      problems.push(`lessons/${source.id}: name the folder NN-slug, e.g. "04-authorization-code" (two digits, then kebab-case).`);
      continue;
    }
    const order = Number(match[1]);
    byOrder.set(order, [...(byOrder.get(order) ?? []), source.id]);
    bySlug.set(match[2], source);
  }

  for (const [order, ids] of [...byOrder].sort(([a], [b]) => a - b)) {
    if (ids.length > 1) {
      problems.push(`Lesson number ${String(order).padStart(2, '0')} is used by ${ids.map((id) => `lessons/${id}`).join(' and ')}: give each lesson its own number.`);
    }
  }

  for (const source of sources) {
    if (source.data.status !== 'ready') continue;
    if (source.data.outcomes.length === 0) {
      problems.push(`lessons/${source.id} is ready but says nothing of what the reader will be able to do: add "outcomes" to its frontmatter.`);
    }
    if (source.data.questions.length < 2) {
      problems.push(`lessons/${source.id} is ready but has ${source.data.questions.length} question(s): add 2 to 4 "questions" that check its outcomes.`);
    }
    if (source.data.diagram && !source.data.player) {
      problems.push(`lessons/${source.id} is ready and has a player but no task: add "player: { task: … }" saying what to predict before pressing Run.`);
    }
  }

  for (const source of sources) {
    if (source.data.status !== 'ready' || !source.body) continue;
    for (const [, target] of source.body.matchAll(LESSON_LINK)) {
      const linked = bySlug.get(target);
      if (!linked) {
        problems.push(`lessons/${source.id} links to /lessons/${target}, but no lesson has that slug.`);
      } else if (linked.data.status === 'planned') {
        problems.push(`lessons/${source.id} is ready but links to lessons/${linked.id}, which is planned: remove the link or finish that lesson first.`);
      }
    }
  }
  return problems;
}

/** The ordered outline, or a LessonOutlineError listing every problem at once. */
export function buildLessonOutline(sources: readonly LessonSource[]): Lesson[] {
  const problems = checkLessonOutline(sources);
  if (problems.length > 0) throw new LessonOutlineError(problems);
  return sources
    .map((source) => {
      const [, number, slug] = FOLDER_NAME.exec(source.id)!;
      return { ...source.data, id: source.id, order: Number(number), slug, href: lessonHref(slug) };
    })
    .sort((a, b) => a.order - b.order);
}

export function neighboursOf(lessons: readonly Lesson[], slug: string): { previous?: Lesson; next?: Lesson } {
  const index = lessons.findIndex((lesson) => lesson.slug === slug);
  if (index === -1) return {};
  return { previous: lessons[index - 1], next: lessons[index + 1] };
}
