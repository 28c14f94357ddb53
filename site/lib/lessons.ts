import { getCollection } from 'astro:content';
import { buildLessonOutline, type Lesson } from './lesson-outline';

/**
 * The lessons in order. Checked every time: the lesson pages are prerendered, so a broken
 * outline (duplicate numbers, a ready lesson linking to a planned one) fails `astro build`.
 */
export async function getLessons(): Promise<Lesson[]> {
  const entries = await getCollection('lessons');
  return buildLessonOutline(entries);
}
