import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, test, vi } from 'vitest';
import { obtainAccessToken } from '../support/lab-oauth-client.ts';

// server/mcp/streamable.ts reads the Worker's env from 'cloudflare:workers'; only the Node block
// below imports it (the countdown never touches KV).
vi.mock('cloudflare:workers', () => ({ env: {} }));

import { streamableHttpHandlerFor } from '../../server/mcp/streamable.ts';
import { TOOLS_BY_NAME, type ToolDefinition } from '../../server/mcp/tools.ts';

/**
 * MCP cancellation (`notifications/cancelled`, 2025-11-25 basic/utilities/cancellation) against the
 * `countdown` tool, which sends one progress notification a second and sleeps on its AbortSignal.
 *
 * - /mcp is stateless: every POST gets a new server (server/mcp/streamable.ts), so the notification
 *   lands on a server that never saw the call. What is left to stop the call is its response stream.
 * - /sse is one McpAgent session (server/mcp/sse.ts): the notification reaches the server running
 *   the call, and the SDK aborts the call's signal.
 *
 * The real Worker (production build in workerd) shows what a client sees on the wire. Whether the
 * server-side work stops after a stream is closed cannot be seen on the wire, so the same /mcp
 * handler (streamable.ts, with the real countdown) is also driven in Node, where the tool's signal
 * can be watched. Which of the two teardown paths workerd takes on a disconnect is not shown here:
 * workerd aborts `request.signal` only with the `enable_request_signal` compatibility flag, which
 * wrangler.jsonc does not set, so there it would be the response body's cancellation.
 *
 * On /sse "no progress and no result after the cancellation" is what the wire shows; the SDK 1.32
 * server would also hold back both for a handler that ignored its signal, so that the countdown
 * itself stops is read from its code (its sleep rejects when the signal aborts), not seen.
 */
const origin = inject('labOrigin');
const SECONDS = 3;
const REASON = 'the user pressed Stop';

interface Post {
  path: string;
  /** The JSON-RPC message the client sent. */
  rpc: { method?: string; id?: number | string; params?: Record<string, unknown> };
  /** Set when the response arrives (on /sse a call's 202 can come after its first progress). */
  status?: number;
  /** The response body, read only for 202s (never for an SSE stream). */
  body?: string;
}

interface Seen {
  message: JSONRPCMessage;
  at: number;
}

/** An SDK 1.32 client on one transport, with every POST and every message it receives recorded. */
async function connect(kind: 'mcp' | 'sse', userName: string) {
  const endpoint = `${origin}/${kind}`;
  const { client: oauth } = await obtainAccessToken(endpoint, { user: { userName }, clientName: `cancellation test (${kind})` });
  const posts: Post[] = [];
  const recording: typeof fetch = async (input, init) => {
    if ((init?.method ?? 'GET') !== 'POST' || typeof init?.body !== 'string') return fetch(input, init);
    const post: Post = { path: new URL(input instanceof Request ? input.url : input).pathname, rpc: JSON.parse(init.body) };
    posts.push(post);
    const response = await fetch(input, init);
    if (response.status === 202) post.body = await response.clone().text();
    post.status = response.status;
    return response;
  };
  const transport =
    kind === 'mcp'
      ? new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: oauth, fetch: recording })
      : new SSEClientTransport(new URL(endpoint), { authProvider: oauth, fetch: recording });
  const client = new Client({ name: 'lab-cancellation-test', version: '1.0.0' });
  const errors: string[] = [];
  client.onerror = (error) => errors.push(error.message);
  await client.connect(transport);
  // Everything the transport delivers, before the SDK decides whether anyone still waits for it.
  const seen: Seen[] = [];
  const deliver = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage) => {
    seen.push({ message, at: Date.now() });
    deliver(message);
  };
  return { client, posts, seen, errors };
}

type Session = Awaited<ReturnType<typeof connect>>;

/**
 * Calls countdown with a progress token and aborts the call (the SDK's AbortSignal) as soon as the
 * first progress notification arrives: the SDK then sends notifications/cancelled and rejects.
 */
async function callAndCancelAtFirstProgress({ client, posts }: Session) {
  const controller = new AbortController();
  const progress: number[] = [];
  let cancelledAt = 0;
  const outcome = await client
    .callTool({ name: 'countdown', arguments: { seconds: SECONDS } }, undefined, {
      signal: controller.signal,
      onprogress: ({ progress: done }) => {
        progress.push(done);
        if (!controller.signal.aborted) {
          cancelledAt = Date.now();
          controller.abort(REASON);
        }
      },
    })
    .then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
  const call = posts.find((post) => post.rpc.method === 'tools/call');
  if (call?.rpc.id === undefined) throw new Error('the tools/call POST was not recorded');
  return { outcome, progress, cancelledAt, callId: call.rpc.id };
}

const isProgressFor = (id: number | string) => (seen: Seen) =>
  'method' in seen.message && seen.message.method === 'notifications/progress' && seen.message.params?.progressToken === id;
const isResponseTo = (id: number | string) => (seen: Seen) => 'id' in seen.message && !('method' in seen.message) && seen.message.id === id;

const waitFor = async (condition: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  return condition();
};

describe('/mcp (stateless Streamable HTTP) on the real Worker', () => {
  let session: Session;
  beforeAll(async () => {
    session = await connect('mcp', 'cancel-mcp-user');
  });
  afterAll(async () => {
    await session?.client.close();
  });

  test('notifications/cancelled gets 202 and stops nothing: the countdown keeps sending progress and its result on the call\'s still-open stream', async () => {
    const { outcome, progress, cancelledAt, callId } = await callAndCancelAtFirstProgress(session);

    // The SDK rejects at once, locally, with its RequestTimeout code (-32001) carrying our reason.
    expect('error' in outcome && outcome.error).toBeInstanceOf(McpError);
    expect((outcome as { error: McpError }).error.code).toBe(ErrorCode.RequestTimeout);
    expect((outcome as { error: McpError }).error.message).toContain(REASON);
    expect(progress).toEqual([0]);

    // It POSTs the notification, as a separate request: 202, no body.
    expect(await waitFor(() => session.posts.some((post) => post.rpc.method === 'notifications/cancelled' && post.status !== undefined), 2000)).toBe(true);
    const cancel = session.posts.find((post) => post.rpc.method === 'notifications/cancelled')!;
    expect(cancel.path).toBe('/mcp');
    expect(cancel.rpc.params).toEqual({ requestId: callId, reason: REASON });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toBe('');

    // The SDK does not close the call's response stream (its POST uses the transport's signal,
    // not the call's), so the server, which never learnt of the cancellation, runs to the end.
    expect(await waitFor(() => session.seen.some(isResponseTo(callId)), (SECONDS + 2) * 1000)).toBe(true);
    const late = session.seen.filter((seen) => seen.at > cancelledAt);
    const lateProgress = late.filter(isProgressFor(callId)).map(({ message }) => ('params' in message ? message.params?.progress : undefined));
    expect(lateProgress).toEqual([1, 2]); // every second still counted after the cancellation
    const response = late.find(isResponseTo(callId))!;
    expect(response.message).toMatchObject({ result: { structuredContent: { seconds: SECONDS } } });
    expect(response.at - cancelledAt).toBeGreaterThan((SECONDS - 1) * 1000 - 250); // it ran its whole course

    // The SDK no longer waits for them: it reports each as unknown and drops it.
    expect(session.errors.filter((message) => message.startsWith('Received a progress notification for an unknown token'))).toHaveLength(2);
    expect(session.errors.filter((message) => message.startsWith('Received a response for an unknown message ID'))).toHaveLength(1);
  });

  test('closing the call\'s response stream ends the call for the client: the read fails with AbortError and no result comes', async () => {
    // What a 2026-07-28 client does to cancel, done by hand (the 1.32 SDK has no per-call close).
    const { accessToken } = await obtainAccessToken(`${origin}/mcp`, { user: { userName: 'cancel-mcp-raw' } });
    const controller = new AbortController();
    const response = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'countdown', arguments: { seconds: SECONDS }, _meta: { progressToken: 'p' } } }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const text = new TextDecoder();
    let received = '';
    while (!received.includes('"notifications/progress"')) received += text.decode((await reader.read()).value);
    expect(received).toContain('"progress":0');

    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    expect(received).not.toContain('"result"');
    // Whether the Worker's countdown stopped is not visible from here: see the Node block below.
  });
});

describe('/mcp handler (server/mcp/streamable.ts) driven in Node, to watch the tool\'s signal', () => {
  // The real countdown, wrapped to record its signal and how its run ended.
  interface Run {
    signal: AbortSignal;
    started: number;
    ended?: { at: number; result?: unknown; error?: unknown };
  }
  const runs: Run[] = [];
  const countdown = TOOLS_BY_NAME.get('countdown')!;
  const watched: ToolDefinition = {
    ...countdown,
    async run(args, context) {
      const run: Run = { signal: context.signal, started: Date.now() };
      runs.push(run);
      try {
        const result = await countdown.run(args, context);
        run.ended = { at: Date.now(), result };
        return result;
      } catch (error) {
        run.ended = { at: Date.now(), error };
        throw error;
      }
    },
  };
  const route = '/cancellation-probe/mcp';
  const handler = streamableHttpHandlerFor(route, [watched]);
  const authInfo = {
    token: 'probe-token',
    clientId: 'probe-client',
    scopes: ['mcp:read'],
    resource: new URL(`http://localhost${route}`),
    extra: { props: { signedInWith: 'lab', userId: 'probe-user', userName: 'probe-user' } },
  };
  const post = (message: unknown, signal?: AbortSignal) =>
    handler.fetch(
      new Request(`http://localhost${route}`, {
        method: 'POST',
        headers: { host: 'localhost', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify(message),
        signal,
      }),
      { authInfo },
    );
  const countdownCall = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'countdown', arguments: { seconds: SECONDS }, _meta: { progressToken: `p${id}` } },
  });
  const readUntil = async (reader: ReadableStreamDefaultReader<Uint8Array>, marker: string) => {
    const text = new TextDecoder();
    let received = '';
    while (!received.includes(marker)) {
      const { done, value } = await reader.read();
      if (done) break;
      received += text.decode(value);
    }
    return received;
  };

  test('a notifications/cancelled POST reaches a fresh server: 202, and the running call\'s signal never aborts', async () => {
    const response = await post(countdownCall(11));
    const reader = response.body!.getReader();
    await readUntil(reader, '"notifications/progress"');
    const run = runs.at(-1)!;

    const cancel = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 11, reason: REASON } });
    expect(cancel.status).toBe(202);
    expect(await cancel.text()).toBe('');

    const rest = await readUntil(reader, '"result"');
    expect(rest).toContain('"structuredContent":{"seconds":3}');
    expect(run.signal.aborted).toBe(false);
    expect(run.ended?.result).toMatchObject({ structuredContent: { seconds: SECONDS } });
  });

  test('cancelling the response body (what closing the stream does, once the host passes the disconnect on) aborts the tool\'s signal with "Connection closed" and the countdown stops at once', async () => {
    const response = await post(countdownCall(12));
    const reader = response.body!.getReader();
    await readUntil(reader, '"notifications/progress"');
    const run = runs.at(-1)!;
    expect(run.signal.aborted).toBe(false);

    const closedAt = Date.now();
    await reader.cancel();
    expect(await waitFor(() => run.ended !== undefined, 1000)).toBe(true);
    expect(run.signal.aborted).toBe(true);
    expect(String(run.signal.reason)).toMatch(/Connection closed/);
    expect(run.ended?.error).toBe(run.signal.reason); // sleep() rejected with the signal's reason
    expect(run.ended!.at - closedAt).toBeLessThan(200);
  });

  test('aborting the request\'s signal alone (the body still read) aborts the tool\'s signal too, and the stream ends without a result', async () => {
    const controller = new AbortController();
    const response = await post(countdownCall(13), controller.signal);
    const reader = response.body!.getReader();
    await readUntil(reader, '"notifications/progress"');
    const run = runs.at(-1)!;

    const abortedAt = Date.now();
    controller.abort();
    expect(await waitFor(() => run.ended !== undefined, 1000)).toBe(true);
    expect(run.signal.aborted).toBe(true);
    expect(String(run.signal.reason)).toMatch(/Connection closed/);
    expect(run.ended!.at - abortedAt).toBeLessThan(200);
    const rest = await readUntil(reader, '"result"').catch((error: unknown) => `read failed: ${String(error)}`);
    expect(rest).not.toContain('"result"');
  });
});

describe('/sse (legacy HTTP+SSE, one McpAgent session) on the real Worker', () => {
  let session: Session;
  beforeAll(async () => {
    session = await connect('sse', 'cancel-sse-user');
  });
  afterAll(async () => {
    await session?.client.close();
  });

  test('notifications/cancelled reaches the session (202) and ends the call there: no progress and no result after it', async () => {
    const { outcome, progress, cancelledAt, callId } = await callAndCancelAtFirstProgress(session);
    expect('error' in outcome && outcome.error).toBeInstanceOf(McpError);
    expect((outcome as { error: McpError }).error.code).toBe(ErrorCode.RequestTimeout);
    expect(progress).toEqual([0]);
    // Every POST into the session is answered 202 "Accepted"; what it causes comes on the stream.
    expect(await waitFor(() => session.posts.find((post) => post.rpc.method === 'tools/call')?.status !== undefined, 2000)).toBe(true);
    expect(session.posts.find((post) => post.rpc.method === 'tools/call')).toMatchObject({ path: '/sse/message', status: 202, body: 'Accepted' });

    expect(await waitFor(() => session.posts.some((post) => post.rpc.method === 'notifications/cancelled' && post.status !== undefined), 2000)).toBe(true);
    const cancel = session.posts.find((post) => post.rpc.method === 'notifications/cancelled')!;
    expect(cancel.path).toBe('/sse/message');
    expect(cancel.rpc.params).toEqual({ requestId: callId, reason: REASON });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toBe('Accepted');

    // Wait past the moment the countdown would have finished: nothing more for this call.
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000 + 500));
    const late = session.seen.filter((seen) => seen.at > cancelledAt);
    expect(late.filter(isProgressFor(callId))).toEqual([]);
    expect(late.filter(isResponseTo(callId))).toEqual([]);
    expect(session.errors).toEqual([]);

    // The session itself carries on.
    const sum = await session.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
    expect(sum.structuredContent).toEqual({ sum: 3 });
  });
});
