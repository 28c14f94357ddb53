import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { checkCourseMap, CourseMapError, revisionStates, rulesByTopic } from './course-map';
import { courseRuleSchema, SPEC_REVISIONS } from './course-map-schema';

/** The course map's data, read as the build reads it (Astro's file() loader uses js-yaml too). */
const root = join(import.meta.dirname, '../..');
const raw = yaml.load(readFileSync(join(root, 'lessons/course-map.yaml'), 'utf8')) as Record<string, unknown>;
const lessonSlugs = readdirSync(join(root, 'lessons'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name.replace(/^\d+-/, ''));

describe('lessons/course-map.yaml', () => {
  const rules = Object.entries(raw).map(([id, value]) => [id, courseRuleSchema.parse(value)] as const);

  it('has rules, each with a kebab-case id', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const [id] of rules) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(Object.keys(raw))('%s names lessons that exist, and revisions in order', (id) => {
    const rule = courseRuleSchema.parse(raw[id]);
    for (const slug of rule.lessons) expect(lessonSlugs).toContain(slug);
    const order = [rule.since, ...rule.changes.map((change) => change.revision)].map((revision) => SPEC_REVISIONS.indexOf(revision));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
  });
});

describe('revisionStates', () => {
  it('marks the first revision new, later ones unchanged, and a change where it happened', () => {
    expect(revisionStates({ since: '2025-06-18', changes: [{ revision: '2026-07-28', what: 'x', removed: false }] })).toEqual({
      '2025-03-26': 'before',
      '2025-06-18': 'new',
      '2025-11-25': 'same',
      '2026-07-28': 'changed',
    });
  });

  it('marks a removal, and the rule gone after it', () => {
    expect(revisionStates({ since: '2025-03-26', changes: [{ revision: '2025-06-18', what: 'dropped', removed: true }] })).toEqual({
      '2025-03-26': 'new',
      '2025-06-18': 'removed',
      '2025-11-25': 'gone',
      '2026-07-28': 'gone',
    });
  });
});

describe('checkCourseMap and rulesByTopic', () => {
  const rule = (overrides: object) => ({ id: 'r', ...courseRuleSchema.parse({ topic: 'tokens', rule: 'A rule.', party: 'client', since: '2025-06-18', lessons: ['a'], spec: { label: 'x', href: 'https://example.com' }, ...overrides }) });

  it('refuses a lesson that is not ready, and changes out of order, naming each rule', () => {
    const rules = [rule({ lessons: ['a', 'gone'] }), { ...rule({ changes: [{ revision: '2025-03-26', what: 'earlier' }] }), id: 's' }];
    expect(() => checkCourseMap(rules, [{ slug: 'a' }])).toThrow(CourseMapError);
    expect(() => checkCourseMap(rules, [{ slug: 'a' }])).toThrow(/rule "r" names lesson "gone"[\s\S]*rule "s" lists its changes out of order/);
    expect(() => checkCourseMap([rule({})], [{ slug: 'a' }])).not.toThrow();
  });

  it('groups by topic in the map’s order, leaving empty topics out', () => {
    const grouped = rulesByTopic([rule({ topic: 'security' }), rule({ topic: 'discovery' }), rule({ topic: 'security', rule: 'Second.' })]);
    expect(grouped.map(({ topic, rules }) => [topic, rules.length])).toEqual([['discovery', 1], ['security', 2]]);
  });
});
