import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { curlSnippet, type CallForSnippet } from '../../site/playground/snippets.ts';
import { obtainAccessToken } from '../support/lab-oauth-client.ts';

/**
 * The playground's "Copy as curl" snippets (site/playground/snippets.ts), run as written by bash and
 * the real curl against the production build: what a learner pastes must work.
 */
const origin = inject('labOrigin');
const run = promisify(execFile);

const addCall = (endpoint: string, token: string, protocolVersion = '2025-11-25'): CallForSnippet => ({
  endpoint,
  transport: 'streamable-http',
  protocolVersion,
  token,
  request: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 19, b: 23 } } },
});

/** The JSON-RPC messages in a response body or stream: the `data:` lines of SSE, or one JSON object. */
function jsonRpcMessagesIn(text: string): Array<{ id?: unknown; result?: { structuredContent?: unknown } }> {
  const data = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length));
  if (data.length === 0) return [JSON.parse(text)];
  return data.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

/** MCP_TOKEN only when a test sets it, never one from the environment running the tests (undefined is not passed on). */
const shellEnv = (extra: Record<string, string> = {}) => ({ ...process.env, MCP_TOKEN: undefined, ...extra });
const bash = (script: string, env: Record<string, string> = {}) => run('bash', ['-c', script], { env: shellEnv(env) });

describe('the curl snippet over Streamable HTTP', () => {
  const endpoint = `${origin}/mcp`;
  let token: string;

  beforeAll(async () => {
    token = (await obtainAccessToken(endpoint, { user: { userName: 'snippet-user' } })).accessToken;
  });

  test('revealed, a lone tools/call gets its answer', async () => {
    const { stdout } = await bash(curlSnippet(addCall(endpoint, token), { revealToken: true }));
    expect(jsonRpcMessagesIn(stdout).find((message) => message.id === 7)?.result?.structuredContent).toEqual({ sum: 42 });
  });

  test('masked, it runs with MCP_TOKEN exported, and not without', async () => {
    const snippet = curlSnippet(addCall(endpoint, token), { revealToken: false });
    const { stdout } = await bash(snippet, { MCP_TOKEN: token });
    expect(jsonRpcMessagesIn(stdout).find((message) => message.id === 7)?.result?.structuredContent).toEqual({ sum: 42 });
    await expect(bash(snippet)).rejects.toMatchObject({ stdout: '', stderr: expect.stringContaining('export MCP_TOKEN') });
  });

  test('on 2026-07-28 the request carries its own envelope and is answered without initialize', async () => {
    const { stdout } = await bash(curlSnippet(addCall(endpoint, token, '2026-07-28'), { revealToken: true }));
    expect(jsonRpcMessagesIn(stdout).find((message) => message.id === 7)?.result?.structuredContent).toEqual({ sum: 42 });
  });
});

describe('the curl snippet over legacy HTTP+SSE', () => {
  const endpoint = `${origin}/sse`;
  let token: string;

  beforeAll(async () => {
    token = (await obtainAccessToken(endpoint, { user: { userName: 'snippet-sse-user' } })).accessToken;
  });

  test('step 1 opens the stream, step 2 posts into the announced session, the answer arrives on the stream', async () => {
    const call = { ...addCall(endpoint, token), transport: 'sse' as const };
    const snippet = curlSnippet(call, { revealToken: false });
    const [openStream, postMessages] = snippet.split('\n# 2.');
    expect(postMessages).toBeDefined();

    // Terminal 1, in its own process group so the test can stop bash and curl together.
    const stream = spawn('bash', ['-c', openStream!], { env: shellEnv({ MCP_TOKEN: token }), detached: true });
    let received = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = received.match(pattern);
          if (match) resolve(match);
        };
        stream.stdout.on('data', (chunk: Buffer) => {
          received += chunk.toString('utf8');
          check();
        });
        stream.on('exit', (code) => reject(new Error(`the stream ended (exit ${code}) before ${pattern}: ${received}`)));
        check();
      });
    try {
      const [, sessionId] = await waitFor(/event: endpoint\r?\ndata: \/sse\/message\?sessionId=([0-9a-f]+)/);
      // Terminal 2: the learner pastes the session id into SESSION_URL.
      const { stdout: accepted } = await bash(`# 2.${postMessages!.replace('PASTE_THE_SESSION_ID', sessionId!)}`, { MCP_TOKEN: token });
      expect(accepted).toContain('Accepted');
      await waitFor(/"id":7[,}]/);
      expect(jsonRpcMessagesIn(received).find((message) => message.id === 7)?.result?.structuredContent).toEqual({ sum: 42 });
    } finally {
      if (stream.pid !== undefined && stream.exitCode === null) process.kill(-stream.pid, 'SIGTERM');
    }
  });
});
