import { defineCollection } from 'astro:content';
import { file, glob } from 'astro/loaders';
import { courseRuleSchema } from './lib/course-map-schema';
import { lessonIdFromPath } from './lib/lesson-outline';
import { lessonSchema } from './lib/lesson-schema';

/**
 * The lessons, one folder each under lessons/ at the repository root (`lessons/NN-slug/index.md`;
 * fields: lib/lesson-schema.ts), and the course map's rules (`lessons/course-map.yaml`; fields:
 * lib/course-map-schema.ts).
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
  courseRules: defineCollection({
    loader: file('./lessons/course-map.yaml'),
    schema: courseRuleSchema,
  }),
};
