import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ATTACKS } from './attacks';

// "The lessons link each attack lab where the defence is taught": each lab is named, in bold, in
// the lesson its data names, so a learner reading about the defence is sent to try it.
const lessons = new URL('../../lessons/', import.meta.url);
const sameQuotes = (text: string) => text.replaceAll('’', "'").replace(/\s+/g, ' ');

test.each(Object.values(ATTACKS).map((lab) => [lab.id, lab] as const))('%s is offered in its lesson', (_, lab) => {
  const folder = readdirSync(lessons).find((name) => name.replace(/^\d+-/, '') === lab.lesson);
  expect(folder, lab.lesson).toBeDefined();
  const text = sameQuotes(readFileSync(new URL(`${folder}/index.md`, lessons), 'utf8'));
  expect(text).toContain(`**${sameQuotes(lab.title)}**`);
});
