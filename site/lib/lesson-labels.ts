import { AUTH_OPTIONS } from '../flow/auth-options';
import type { AuthOptionId, LessonKind } from './lesson-schema';

/** How kinds and options are named on the page. Exhaustive: a new kind fails type-checking here. */
export const KIND_LABELS: Record<LessonKind, string> = {
  concept: 'Concept',
  'auth-option': 'Authorization option',
  transport: 'Transport',
  tools: 'Tools and scopes',
};

/** "Option 2 · GitHub", or "Options 3a and 3b" for a lesson about several. */
export function authOptionsLabel(ids: readonly AuthOptionId[]): string {
  if (ids.length === 1) return `Option ${AUTH_OPTIONS[ids[0]].label}`;
  const numbers = ids.map((id) => AUTH_OPTIONS[id].label.split(' ')[0]);
  return `Options ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
}

export const lessonNumber = (order: number) => String(order).padStart(2, '0');
