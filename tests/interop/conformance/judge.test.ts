import { describe, expect, test } from 'vitest';
import { judge, type ExpectedFailures, type ScenarioResult } from './judge.ts';

const because = { reason: 'test', spec: 'https://example.org/spec' };
const run = (scenario: string, ...checks: [string, ScenarioResult['checks'][number]['status']][]): ScenarioResult => ({
  scenario,
  checks: checks.map(([id, status]) => ({ id, status, errorMessage: `${id} said ${status}` })),
});

describe('judge', () => {
  test('a scenario whose checks all pass is passed; warnings are reported, not failed', () => {
    const verdict = judge([run('ping', ['ping', 'SUCCESS'], ['hint', 'WARNING'])], {});
    expect(verdict).toEqual({
      passed: ['ping'],
      expectedFailures: [],
      unexpectedFailures: [],
      staleExpectations: [],
      warnings: ['ping:hint — hint said WARNING'],
    });
  });

  test('an unlisted failure is unexpected and names the check and its message', () => {
    const verdict = judge([run('tools-list', ['tools-list', 'FAILURE'])], {});
    expect(verdict.unexpectedFailures).toEqual(['tools-list:tools-list — tools-list said FAILURE']);
    expect(verdict.passed).toEqual([]);
  });

  test('a whole-scenario entry covers every failing check of that scenario', () => {
    const expected: ExpectedFailures = { 'tools-call-image': because };
    const verdict = judge([run('tools-call-image', ['a', 'FAILURE'], ['b', 'FAILURE'], ['c', 'SUCCESS'])], expected);
    expect(verdict.expectedFailures).toEqual(['tools-call-image']);
    expect(verdict.unexpectedFailures).toEqual([]);
    expect(verdict.staleExpectations).toEqual([]);
  });

  test('a per-check entry covers only that check', () => {
    const expected: ExpectedFailures = { 'server-stateless:missing-tool': because };
    const verdict = judge([run('server-stateless', ['missing-tool', 'FAILURE'], ['http-400', 'FAILURE'], ['ok', 'SUCCESS'])], expected);
    expect(verdict.expectedFailures).toEqual(['server-stateless:missing-tool']);
    expect(verdict.unexpectedFailures).toEqual(['server-stateless:http-400 — http-400 said FAILURE']);
  });

  test('an expectation that now passes, or whose scenario did not run, is stale', () => {
    const expected: ExpectedFailures = { 'logging-set-level': because, 'caching:prompts': because, 'gone-scenario': because };
    const verdict = judge([run('logging-set-level', ['x', 'SUCCESS']), run('caching', ['prompts', 'SUCCESS'], ['other', 'SKIPPED'])], expected);
    expect(verdict.staleExpectations).toEqual(['logging-set-level (now passes)', 'caching:prompts (now passes)', 'gone-scenario (did not run)']);
    expect(verdict.passed).toEqual(['caching']);
  });
});
