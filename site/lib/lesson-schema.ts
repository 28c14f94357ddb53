import { z } from 'astro/zod';
import { AUTH_OPTION_IDS, type AuthOptionId } from '../../server/catalogue';
import { REGISTRATIONS, SABOTAGES } from '../flow/types';

/**
 * The frontmatter of one lesson (`lessons/NN-slug/index.md`). The folder number sets the order and
 * the rest of the folder name is the URL slug (`/lessons/slug`); neither is repeated here.
 * Rules that span lessons (unique numbers, links between lessons) are checked at build time by
 * `checkLessonOutline` in lesson-outline.ts.
 */

/** What a lesson teaches. Decides its badge and where it appears on the home page. */
export const LESSON_KINDS = ['concept', 'auth-option', 'transport', 'tools'] as const;


/** A lesson is either written and live, or announced with an outline only. */
export const LESSON_STATUSES = ['ready', 'planned'] as const;

export const specLinkSchema = z.object({
  /** Link text, short and specific: "MCP Authorization § Scope Challenge Handling". */
  label: z.string().min(1),
  /** An absolute https URL into a spec or RFC, ideally to the exact section. */
  href: z.url({ protocol: /^https$/ }),
});

/** One check-your-understanding question: one right choice, and why each choice is right or not. */
export const questionSchema = z.object({
  /** The question, in one or two sentences. */
  question: z.string().min(1),
  /** 2 to 5 answers; exactly one has `correct: true`. Each says why, shown once it is chosen. */
  choices: z
    .array(
      z.object({
        text: z.string().min(1),
        correct: z.boolean().default(false),
        /** Why this answer is right, or what it gets wrong. Required: a bare "wrong" teaches nothing. */
        why: z.string().min(1),
      }),
    )
    .min(2)
    .max(5)
    .refine((choices) => choices.filter((choice) => choice.correct).length === 1, 'Mark exactly one choice with correct: true.'),
});

export const lessonSchema = z.object({
  /** The page title and the lesson's name in every list. Required. */
  title: z.string().min(1),

  /**
   * One or two sentences saying what the reader will understand afterwards. Shown under the
   * title, in lesson lists and as the page description. Required.
   */
  summary: z.string().min(1).max(280),

  /** What the lesson teaches: 'concept' | 'auth-option' | 'transport' | 'tools'. Required. */
  kind: z.enum(LESSON_KINDS),

  /**
   * For lessons about ways of authorizing: the ids of server/catalogue.ts, the same everywhere —
   * 'worker' (option 1), 'github' (2), 'oidc-proxy' (3a), 'oidc-external' (3b). The page offers each
   * option's server as a starter. Default: none (the lesson applies to every option).
   */
  authOptions: z.array(z.enum(AUTH_OPTION_IDS as [AuthOptionId, ...AuthOptionId[]])).default([]),

  /**
   * What the reader will be able to do afterwards, one line each, shown first. A ready lesson needs
   * at least one (checked at build time). Default: none.
   */
  outcomes: z.array(z.string().min(1)).default([]),

  /**
   * 2 to 4 questions that check those outcomes, answered on the page (nothing is sent anywhere).
   * A ready lesson needs at least two (checked at build time). Default: none.
   */
  questions: z.array(questionSchema).max(4).default([]),

  /** Spec and RFC sections the lesson is built on, most important first. Default: none. */
  specLinks: z.array(specLinkSchema).default([]),

  /**
   * The id of the main sequence diagram (`diagrams/<id>.mmd`, e.g. `worker-oauth`) the live flow
   * player shows on this lesson; the player adds the other transport's and the on-demand parts'
   * diagrams itself. Optional; default: none (no player). A ready lesson's diagram must exist.
   */
  diagram: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'Use a kebab-case id, like "authorization-code".')
    .optional(),

  /**
   * How the lesson's player starts, and the task it sets: `task` is a "predict, then run" prompt
   * shown beside the text; the other fields preselect the run's choices (the learner can change
   * them). Optional; default: the player's own defaults and no task.
   */
  player: z
    .object({
      /** What to predict before pressing Run, and what to look at afterwards. */
      task: z.string().min(1),
      registration: z.enum(REGISTRATIONS).optional(),
      /** A deliberate mistake to make on this run. */
      sabotage: z.enum(SABOTAGES).optional(),
      /** Open the tool playground by itself once the run holds a token (a lesson about tools). Default: false. */
      playground: z.boolean().optional(),
    })
    .optional(),

  /**
   * 'ready': written and correct for the server as deployed. 'planned': announced, with an outline;
   * ready lessons may not link to it. Default: 'ready'.
   */
  status: z.enum(LESSON_STATUSES).default('ready'),
});

export type LessonData = z.infer<typeof lessonSchema>;
export type LessonQuestion = z.infer<typeof questionSchema>;
export type LessonKind = (typeof LESSON_KINDS)[number];
export type { AuthOptionId } from '../../server/catalogue';
