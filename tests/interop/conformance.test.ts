import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { authorizeAsUser } from '../support/headless-user.ts';
import { obtainAccessToken } from '../support/lab-oauth-client.ts';
import { freePort } from '../support/preview-server.ts';
import { judge, type ExpectedFailures } from './conformance/judge.ts';
import { BEARER_PRELOAD, runConformance, type SuiteRun } from './conformance/run-suite.ts';

/**
 * The official MCP conformance suite against the production build: its server scenarios on /mcp
 * (2025-11-25 wire with the stable 0.1.16 release; the 2026-07-28 requirement set with 0.2.0-alpha)
 * and its authorization-server scenarios against our issuer. Every failure we accept is listed with
 * its reason in conformance-expected.json; anything else fails, and so does a listed failure that
 * stopped happening.
 */
const origin = inject('labOrigin');
type Run = 'server-2025-11-25' | 'server-2026-07-28' | 'authorization-server';
const expectations: Record<Run, ExpectedFailures> = JSON.parse(readFileSync(new URL('./conformance-expected.json', import.meta.url), 'utf8'));

const RUN_TIMEOUT_MS = 60_000;

function expectOnlyListedFailures(run: SuiteRun, listed: ExpectedFailures, name: Run) {
  expect(run.results.length, `the suite wrote no results (exit ${run.exitCode}):\n${run.output.slice(-3000)}`).toBeGreaterThan(0);
  const verdict = judge(run.results, listed);
  console.info(
    [
      `conformance ${name}: ${verdict.passed.length} passed, ${verdict.expectedFailures.length} expected failures, ` +
        `${verdict.unexpectedFailures.length} unexpected, ${verdict.staleExpectations.length} stale`,
      `  passed: ${verdict.passed.join(', ') || '(none)'}`,
      ...verdict.warnings.map((warning) => `  warning: ${warning}`),
    ].join('\n'),
  );
  expect(verdict.unexpectedFailures, `unexpected failures; output tail:\n${run.output.slice(-2000)}`).toEqual([]);
  expect(verdict.staleExpectations, 'expected failures that no longer fail: remove them from conformance-expected.json').toEqual([]);
  return verdict;
}

describe('official MCP conformance suite', () => {
  // The suite's server scenarios bring no credentials; a preload adds this real token to its
  // requests (conformance/bearer-preload.ts). mcp:write so that no tool is out of reach.
  let serverSuite: { env: Record<string, string>; nodeArgs: string[] };

  beforeAll(async () => {
    const { accessToken } = await obtainAccessToken(`${origin}/mcp`, { scope: 'mcp:read mcp:write', user: { userName: 'conformance' } });
    serverSuite = {
      env: { LAB_CONFORMANCE_BEARER_TOKEN: accessToken, LAB_CONFORMANCE_ORIGIN: origin },
      nodeArgs: ['--import', BEARER_PRELOAD],
    };
  });

  test('server scenarios on the 2025-11-25 wire (conformance 0.1.16)', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
    const run = await runConformance('stable', ['server', '--url', `${origin}/mcp`, '--spec-version', '2025-11-25'], {
      resultPrefix: 'server-',
      timeoutMs: RUN_TIMEOUT_MS,
      ...serverSuite,
    });
    const verdict = expectOnlyListedFailures(run, expectations['server-2025-11-25'], 'server-2025-11-25');
    expect(verdict.passed).toEqual(expect.arrayContaining(['server-initialize', 'tools-list', 'ping', 'dns-rebinding-protection']));
  });

  test('server scenarios required by 2026-07-28 (conformance 0.2.0-alpha)', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
    const run = await runConformance('next', ['server', '--url', `${origin}/mcp`, '--requirements', '2026-07-28'], {
      resultPrefix: 'server-',
      timeoutMs: RUN_TIMEOUT_MS,
      ...serverSuite,
    });
    const verdict = expectOnlyListedFailures(run, expectations['server-2026-07-28'], 'server-2026-07-28');
    expect(verdict.passed).toEqual(expect.arrayContaining(['tools-list', 'dns-rebinding-protection']));
  });

  test('authorization-server scenarios against the issuer (conformance 0.2.0-alpha)', { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
    // The suite plays a pre-registered public client with its own callback server on 127.0.0.1.
    const port = await freePort();
    const registration = await fetch(`${origin}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP conformance suite',
        redirect_uris: [`http://127.0.0.1:${port}/callback`],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    });
    expect(registration.status).toBe(201);
    const { client_id: clientId } = (await registration.json()) as { client_id: string };

    // It prints the authorization URL for a person to open; our headless user answers the pages
    // and the browser's last step, loading the callback, reaches the suite.
    let printed = '';
    let userVisit: Promise<void> | undefined;
    const visit = async (authorizationUrl: string) => {
      const { location, page } = await authorizeAsUser(authorizationUrl, undefined, { userName: 'conformance-as' });
      if (!location) throw new Error(`authorization ended on a page: HTTP ${page?.status}`);
      const delivered = await fetch(location);
      if (!delivered.ok) throw new Error(`the suite's callback answered ${delivered.status}`);
    };
    const run = await runConformance('next', ['authorization', '--url', origin, '--client-id', clientId, '--port', String(port), '--resource', `${origin}/mcp`], {
      resultPrefix: 'authorization-server-',
      timeoutMs: RUN_TIMEOUT_MS,
      onStdout(chunk) {
        printed += chunk;
        const url = printed.match(/^https?:\/\/\S+\/authorize\?\S+$/m)?.[0];
        if (url && !userVisit) {
          userVisit = visit(url);
          userVisit.catch(() => {}); // awaited below, after the run
        }
      },
    });
    expect(userVisit, `the suite never asked for authorization:\n${run.output.slice(-2000)}`).toBeDefined();
    await userVisit;
    const verdict = expectOnlyListedFailures(run, expectations['authorization-server'], 'authorization-server');
    expect(verdict.passed).toEqual(['authorization-code-grant', 'authorization-server-metadata-endpoint']);
  });
});
