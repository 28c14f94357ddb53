/**
 * Compares what the conformance suite observed with the failures we expect and have explained
 * (conformance-expected.json). An entry names a whole scenario (`tools-call-image`: any of its
 * checks may fail) or one check (`server-stateless:sep-2575-…`: only that one). Both directions
 * count: a failure nobody expected, and an expected failure that no longer happens (the list must
 * shrink when the server improves).
 */
export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';

export interface Check {
  id: string;
  status: CheckStatus;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  checks: Check[];
}

export interface ExpectedFailure {
  /** Why this server fails it on purpose, in one or two sentences. */
  reason: string;
  /** The specification text that makes this acceptable (URL with anchor). */
  spec: string;
}

export type ExpectedFailures = Record<string, ExpectedFailure>;

export interface Verdict {
  passed: string[];
  expectedFailures: string[];
  /** `scenario:check — message` for every failing check no entry covers. */
  unexpectedFailures: string[];
  /** Entries that did not fail (or did not run): remove them from the list. */
  staleExpectations: string[];
  /** `scenario:check — message` for SHOULD-level findings; reported, never fatal. */
  warnings: string[];
}

export function judge(results: ScenarioResult[], expected: ExpectedFailures): Verdict {
  const verdict: Verdict = { passed: [], expectedFailures: [], unexpectedFailures: [], staleExpectations: [], warnings: [] };
  const failedChecks = new Map<string, Set<string>>();

  for (const { scenario, checks } of results) {
    const failing = checks.filter((check) => check.status === 'FAILURE');
    failedChecks.set(scenario, new Set(failing.map((check) => check.id)));
    for (const check of checks) {
      if (check.status === 'WARNING') verdict.warnings.push(`${scenario}:${check.id} — ${check.errorMessage ?? ''}`);
    }
    if (failing.length === 0) {
      if (!(scenario in expected)) verdict.passed.push(scenario);
      continue;
    }
    if (scenario in expected) {
      verdict.expectedFailures.push(scenario);
      continue;
    }
    for (const check of failing) {
      const key = `${scenario}:${check.id}`;
      if (key in expected) {
        if (!verdict.expectedFailures.includes(key)) verdict.expectedFailures.push(key);
      } else {
        verdict.unexpectedFailures.push(`${key} — ${check.errorMessage ?? '(no message)'}`);
      }
    }
  }

  for (const key of Object.keys(expected)) {
    const [scenario, checkId] = splitKey(key);
    const failed = failedChecks.get(scenario);
    if (!failed) verdict.staleExpectations.push(`${key} (did not run)`);
    else if (checkId === undefined ? failed.size === 0 : !failed.has(checkId)) verdict.staleExpectations.push(`${key} (now passes)`);
  }
  return verdict;
}

function splitKey(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon === -1 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}
