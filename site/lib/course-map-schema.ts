import { z } from 'astro/zod';
import { specLinkSchema } from './lesson-schema';

/**
 * The course map's rules (`lessons/course-map.yaml`): each rule the course teaches, who must keep
 * it, which lesson teaches it, and the revision of the MCP specification it comes from, with what
 * later revisions changed. The page `/course-map/` draws them as a table, one column a revision.
 */

/** The revisions of the MCP specification that have an authorization section, oldest first. */
export const SPEC_REVISIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;
export type SpecRevision = (typeof SPEC_REVISIONS)[number];

/** Who must keep the rule. */
export const RULE_PARTIES = ['client', 'mcp-server', 'authorization-server'] as const;

/** The map's sections, in the order a client meets them. */
export const RULE_TOPICS = ['discovery', 'registration', 'authorization', 'tokens', 'scopes', 'transports', 'tools', 'security'] as const;

/** YAML reads an unquoted 2025-06-18 as a date; either form is accepted. */
const revision = z.preprocess((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : value), z.enum(SPEC_REVISIONS));

export const courseRuleSchema = z.object({
  topic: z.enum(RULE_TOPICS),
  /** The rule in one plain sentence, as the newest revision has it ("The client MUST …"). */
  rule: z.string().min(1).max(240),
  party: z.enum(RULE_PARTIES),
  /** The first revision with the rule. */
  since: revision,
  /** What later revisions changed about it, oldest first; `removed` when a revision dropped it. */
  changes: z
    .array(z.object({ revision, what: z.string().min(1).max(240), removed: z.boolean().default(false) }))
    .default([]),
  /** Slugs of the lessons that teach it (`/lessons/<slug>/`), at least one. */
  lessons: z.array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)).min(1),
  /** The exact section, in the newest revision that has the rule. */
  spec: specLinkSchema,
});

export type CourseRule = z.infer<typeof courseRuleSchema>;
