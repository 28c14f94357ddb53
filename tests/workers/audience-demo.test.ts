import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { externalToken } from './support/external-client';
import { answerTo, initializeRequest, postMcp, toolCall } from './support/mcp-client';
import { resourceOf, tokenFor } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// The wrong-audience lab's isolated demo (server/lab/audience-demo.ts): the MCP endpoint code with
// the audience check switched off. These tests pin both halves of the lesson: the hole is real (a
// token for another endpoint is accepted, and answers as its own user), and it is contained (only
// this Worker's tokens, only read-only tools, only from this site, and the real endpoints still refuse).

const DEMO = '/lab/demo/no-audience-check/mcp';
let workerToken: string;

beforeAll(async () => {
  routeUpstreamToWorker();
  workerToken = (await tokenFor(resourceOf('worker'), { userName: 'demo-learner' })).tokens.access_token;
  vi.restoreAllMocks();
});
afterEach(() => vi.restoreAllMocks());

describe('the audience check switched off', () => {
  it('accepts a token issued for another endpoint and answers as that token’s user', async () => {
    const call = toolCall('whoami');
    const { response, messages } = await postMcp(call, { token: workerToken, path: DEMO });
    expect(response.status).toBe(200);
    const structured = (answerTo(call, messages).result as { structuredContent: Record<string, unknown> }).structuredContent;
    expect(structured.user).toMatchObject({ name: 'demo-learner' });
    // The hole in one line: the server now believes the token was issued for it.
    expect(structured.audience).toBe(ORIGIN + DEMO);
  });

  it('while the endpoint the token was not issued for still refuses it (401 invalid_token)', async () => {
    const { response } = await postMcp(initializeRequest(), { token: workerToken, path: '/github/mcp' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
  });
});

describe('the demo is contained', () => {
  it('serves only read-only tools: save_note is not there', async () => {
    const list = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list', params: {} };
    const { messages } = await postMcp(list, { token: workerToken, path: DEMO });
    const names = (answerTo(list, messages).result as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    expect(names).toContain('whoami');
    expect(names).not.toContain('save_note');
  });

  it('accepts no token that this Worker did not issue (option 3b’s, garbage, none)', async () => {
    routeUpstreamToWorker();
    const external = (await externalToken()).tokens.access_token;
    for (const token of [external, 'not-a-token', null]) {
      const { response } = await postMcp(initializeRequest(), { token, path: DEMO });
      expect(response.status, String(token).slice(0, 20)).toBe(401);
    }
  });

  it('answers only this site’s pages: another Origin gets 403 before the token is looked at', async () => {
    const { response } = await postMcp(initializeRequest(), { token: workerToken, path: DEMO, headers: { origin: 'https://attacker.example' } });
    expect(response.status).toBe(403);
    const same = await postMcp(initializeRequest(), { token: workerToken, path: DEMO, headers: { origin: ORIGIN } });
    expect(same.response.status).toBe(200);
  });

  it('is named for what it is in its metadata, and is not listed among the server’s resources', async () => {
    const metadata = (await (await callWorker(`/.well-known/oauth-protected-resource${DEMO}`)).json()) as { resource: string; resource_name: string };
    expect(metadata.resource).toBe(ORIGIN + DEMO);
    expect(metadata.resource_name).toMatch(/DEMO: the audience check switched off/);
    const discovery = await (await callWorker('/.well-known/oauth-authorization-server')).text();
    expect(discovery).not.toContain('no-audience-check');
  });
});
