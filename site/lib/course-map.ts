import { type CourseRule, RULE_PARTIES, RULE_TOPICS, SPEC_REVISIONS, type SpecRevision } from './course-map-schema';

/** The course map's rules as the page draws them (site/pages/course-map.astro). Pure. */

export type RuleWithId = CourseRule & { id: string };

export const RULE_TOPIC_LABELS: Record<(typeof RULE_TOPICS)[number], string> = {
  discovery: 'Discovery',
  registration: 'Client registration',
  authorization: 'The authorization request',
  tokens: 'Tokens',
  scopes: 'Scopes and step-up',
  transports: 'Transports',
  tools: 'Tools',
  security: 'Security',
};

export const RULE_PARTY_LABELS: Record<(typeof RULE_PARTIES)[number], string> = {
  client: 'Client',
  'mcp-server': 'MCP server',
  'authorization-server': 'Authorization server',
};

/**
 * What a rule is in each revision: `before` it existed, `new` in the revision that introduced it,
 * `changed` or `removed` where a revision did so, `same` in between, and `gone` after removal.
 */
export type RevisionState = 'before' | 'new' | 'changed' | 'same' | 'removed' | 'gone';

export function revisionStates(rule: Pick<CourseRule, 'since' | 'changes'>): Record<SpecRevision, RevisionState> {
  const states = {} as Record<SpecRevision, RevisionState>;
  let current: RevisionState = 'before';
  for (const revision of SPEC_REVISIONS) {
    const change = rule.changes.find((candidate) => candidate.revision === revision);
    if (revision === rule.since) current = 'new';
    else if (change) current = change.removed ? 'removed' : 'changed';
    else if (current === 'new' || current === 'changed') current = 'same';
    else if (current === 'removed') current = 'gone';
    states[revision] = current;
  }
  return states;
}

/** The topics in the map's order, each with its rules in the file's order; empty topics left out. */
export function rulesByTopic<Rule extends Pick<CourseRule, 'topic'>>(rules: readonly Rule[]): { topic: (typeof RULE_TOPICS)[number]; rules: Rule[] }[] {
  return RULE_TOPICS.map((topic) => ({ topic, rules: rules.filter((rule) => rule.topic === topic) })).filter(({ rules }) => rules.length > 0);
}

export class CourseMapError extends Error {}

/**
 * What the schema cannot see alone: every lesson a rule names is a ready lesson, and its changes
 * come after its first revision, one per revision. Throws with every problem, so the build fails.
 */
export function checkCourseMap(rules: readonly RuleWithId[], readyLessons: readonly { slug: string }[]): void {
  const slugs = new Set(readyLessons.map((lesson) => lesson.slug));
  const problems: string[] = [];
  for (const rule of rules) {
    for (const slug of rule.lessons) {
      if (!slugs.has(slug)) problems.push(`lessons/course-map.yaml: rule "${rule.id}" names lesson "${slug}", which is not a ready lesson.`);
    }
    const order = [rule.since, ...rule.changes.map((change) => change.revision)].map((revision) => SPEC_REVISIONS.indexOf(revision));
    if (order.some((position, index) => index > 0 && position <= order[index - 1])) {
      problems.push(`lessons/course-map.yaml: rule "${rule.id}" lists its changes out of order, or before its "since" (${rule.since}): one change per later revision, oldest first.`);
    }
  }
  if (problems.length > 0) throw new CourseMapError(problems.join('\n'));
}
