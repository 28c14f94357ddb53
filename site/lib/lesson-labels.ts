import type { AuthOption, LessonKind } from './lesson-schema';

/** How kinds and options are named on the page. Exhaustive: a new kind fails type-checking here. */
export const KIND_LABELS: Record<LessonKind, string> = {
  concept: 'Concept',
  'auth-option': 'Authorization option',
  transport: 'Transport',
  tools: 'Tools and scopes',
};

export const AUTH_OPTION_LABELS: Record<AuthOption, string> = {
  worker: 'Option 1 · The Worker',
  'third-party': 'Option 2 · Third-party provider',
  'bring-your-own': 'Option 3 · Your own provider',
};

export const lessonNumber = (order: number) => String(order).padStart(2, '0');
