import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonIdFromPath } from './lib/lesson-outline';
import { lessonSchema } from './lib/lesson-schema';

/**
 * One collection: the lessons, one folder each under lessons/ at the repository root
 * (`lessons/NN-slug/index.md`). The schema and what each field means: lib/lesson-schema.ts.
 */
export const collections = {
  lessons: defineCollection({
    loader: glob({
      pattern: '*/index.md',
      base: './lessons',
      generateId: ({ entry }) => lessonIdFromPath(entry),
    }),
    schema: lessonSchema,
  }),
};
