import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEnv } from '../env';
import type { Caller } from './caller';
import type { Delivery } from './sse';

// sse.ts is the Durable Object adapter (it imports the Workers runtime); these tests are about the
// session ids and the checks before a request is handed to it, so it is replaced by a recorder.
const forwarded = vi.hoisted(() => [] as Request[]);
const received = vi.hoisted(() => [] as { sessionId: string; message: unknown; headers: Record<string, string> }[]);
const ended = vi.hoisted(() => [] as string[]);
const session = vi.hoisted(() => ({
  delivery: { delivered: true } as Delivery,
  /** What McpAgent.serveSSE answers a GET with (by default a stand-in status, no stream). */
  stream: null as ReadableStream<Uint8Array> | null,
}));
vi.mock('./sse', () => ({
  CALLER_HEADER: 'x-mcp-verified-caller',
  legacySseHandler: () => ({
    fetch: async (request: Request) => {
      forwarded.push(request);
      if (session.stream) return new Response(session.stream, { headers: { 'content-type': 'text/event-stream' } });
      return new Response('forwarded', { status: 202 });
    },
  }),
  legacySseSession: async (_env: unknown, sessionId: string) => ({
    async receive(message: unknown, headers: Record<string, string>) {
      received.push({ sessionId, message, headers });
      return session.delivery;
    },
    async endStream() {
      ended.push(sessionId);
    },
  }),
}));
const { KEEP_ALIVE_SECONDS, mintSessionId, openSseSession, postToSseSession, sessionBelongsTo } = await import('./sse-session');

const caller = (overrides: Partial<Caller> = {}): Caller => ({
  userId: 'ada',
  userName: 'ada',
  clientId: 'client-1',
  scopes: ['mcp:read'],
  resource: 'https://mcp.example/sse',
  ...overrides,
});

const env = {} as ServerEnv;
const ctx = {} as ExecutionContext;

beforeEach(() => {
  forwarded.length = 0;
  received.length = 0;
  ended.length = 0;
  session.delivery = { delivered: true };
  session.stream = null;
});

describe('session ids', () => {
  it('are 64 lowercase hex characters, different every time', async () => {
    const ids = await Promise.all([mintSessionId(caller()), mintSessionId(caller())]);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('belong to the user and client they were minted for', async () => {
    const id = await mintSessionId(caller());
    expect(await sessionBelongsTo(id, caller())).toBe(true);
  });

  it('survive a refreshed token: scopes, expiry and display name are not part of the owner', async () => {
    const id = await mintSessionId(caller());
    expect(await sessionBelongsTo(id, caller({ scopes: ['mcp:read', 'mcp:write'], expiresAt: 1, userName: 'Ada L.' }))).toBe(true);
  });

  it.each([
    ['another user of the same client', { userId: 'bob' }],
    ['the same user through another client', { clientId: 'client-2' }],
  ])('do not belong to %s', async (_label, other) => {
    const id = await mintSessionId(caller());
    expect(await sessionBelongsTo(id, caller(other))).toBe(false);
  });

  it('cannot be moved to another owner by splicing: the tag commits to the random part too', async () => {
    const mine = await mintSessionId(caller());
    const theirs = await mintSessionId(caller({ userId: 'bob' }));
    expect(await sessionBelongsTo(theirs.slice(0, 32) + mine.slice(32), caller())).toBe(false);
  });

  it('are not confused by separators in user or client ids', async () => {
    const id = await mintSessionId(caller({ userId: 'a', clientId: 'b","c' }));
    expect(await sessionBelongsTo(id, caller({ userId: 'a","b', clientId: 'c' }))).toBe(false);
  });

  it.each(['', 'not-hex', 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), ' '.repeat(64)])('a malformed id %j belongs to no one', async (id) => {
    expect(await sessionBelongsTo(id, caller())).toBe(false);
  });

  it('an uppercase copy of a valid id belongs to no one', async () => {
    const id = await mintSessionId(caller());
    expect(await sessionBelongsTo(id.toUpperCase(), caller())).toBe(false);
  });
});

describe('GET /sse', () => {
  it('opens a session minted for the caller', async () => {
    const response = await openSseSession('/sse', new Request('https://mcp.example/sse'), env, ctx, caller());
    expect(response.status).toBe(202);
    const sessionId = new URL(forwarded[0].url).searchParams.get('sessionId')!;
    expect(await sessionBelongsTo(sessionId, caller())).toBe(true);
  });

  it('refuses a session id chosen by the client', async () => {
    const response = await openSseSession('/sse', new Request(`https://mcp.example/sse?sessionId=${'a'.repeat(64)}`), env, ctx, caller());
    expect(response.status).toBe(400);
    expect(forwarded).toEqual([]);
  });

  it('answers 404 below /sse', async () => {
    expect((await openSseSession('/sse', new Request('https://mcp.example/sse/other'), env, ctx, caller())).status).toBe(404);
    expect(forwarded).toEqual([]);
  });
});

describe('the stream of GET /sse', () => {
  afterEach(() => vi.useRealTimers());

  /** The library's stream (its side written by the test), and the response the client reads. */
  async function openStream() {
    const library = new TransformStream<Uint8Array, Uint8Array>();
    session.stream = library.readable;
    const waiting: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => waiting.push(promise) } as unknown as ExecutionContext;
    const response = await openSseSession('/sse', new Request('https://mcp.example/sse'), env, ctx, caller());
    const sessionId = new URL(forwarded[0].url).searchParams.get('sessionId')!;
    return { writer: library.writable.getWriter(), reader: response.body!.getReader(), response, sessionId, waiting };
  }
  const text = (chunk: ReadableStreamReadResult<Uint8Array>) => new TextDecoder().decode(chunk.value);
  const encoded = (value: string) => new TextEncoder().encode(value);

  it('passes the library’s events through, as they come', async () => {
    const { writer, reader, response } = await openStream();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    void writer.write(encoded('event: endpoint\ndata: /sse/message?sessionId=x\n\n'));
    expect(text(await reader.read())).toBe('event: endpoint\ndata: /sse/message?sessionId=x\n\n');
    void writer.close();
    expect((await reader.read()).done).toBe(true);
  });

  it(`carries a keep-alive comment every ${KEEP_ALIVE_SECONDS} seconds, so a client that went away is noticed`, async () => {
    vi.useFakeTimers();
    const { reader } = await openStream();
    let comment = '';
    const next = reader.read().then((chunk) => (comment = text(chunk)));
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_SECONDS * 1000 - 1);
    expect(comment).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(comment).toBe(': keep-alive\n\n');
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_SECONDS * 1000);
    expect(text(await reader.read())).toBe(': keep-alive\n\n');
  });

  it('when the client goes away, tells the session to end, and reads the library’s stream to its end', async () => {
    const { writer, reader, sessionId, waiting } = await openStream();
    await reader.cancel();
    // The session closes its socket; the library then closes its stream, which nobody cancelled.
    await writer.write(encoded('event: message\ndata: {}\n\n'));
    await writer.close();
    await Promise.all(waiting);
    expect(ended).toEqual([sessionId]);
  });

  it('when the library ends the stream, ends it for the client too, and no session is told', async () => {
    vi.useFakeTimers();
    const { writer, reader } = await openStream();
    await writer.close();
    expect((await reader.read()).done).toBe(true);
    vi.advanceTimersByTime(KEEP_ALIVE_SECONDS * 1000);
    expect(vi.getTimerCount()).toBe(0);
    expect(ended).toEqual([]);
  });
});

describe('POST /sse/message', () => {
  const post = (sessionId: string, headers: Record<string, string> = {}) =>
    new Request(`https://mcp.example/sse/message?sessionId=${sessionId}`, { method: 'POST', headers });

  it('hands a message to the caller’s own session, with the verified caller attached', async () => {
    const sessionId = await mintSessionId(caller());
    const response = await postToSseSession('/sse', post(sessionId), '{"jsonrpc":"2.0","method":"ping","id":1}', env, caller());
    expect(response.status).toBe(202);
    expect(received).toHaveLength(1);
    expect(received[0].sessionId).toBe(sessionId);
    expect(received[0].message).toEqual({ jsonrpc: '2.0', method: 'ping', id: 1 });
    expect(JSON.parse(received[0].headers['x-mcp-verified-caller'])).toEqual(caller());
  });

  it('replaces a caller header sent by the client', async () => {
    const sessionId = await mintSessionId(caller());
    const spoofed = JSON.stringify(caller({ userId: 'admin', scopes: ['mcp:write'] }));
    await postToSseSession('/sse', post(sessionId, { 'x-mcp-verified-caller': spoofed }), '{}', env, caller());
    expect(JSON.parse(received[0].headers['x-mcp-verified-caller'])).toEqual(caller());
  });

  it('answers 404 for another user’s session, and hands nothing over', async () => {
    const sessionId = await mintSessionId(caller({ userId: 'bob' }));
    const response = await postToSseSession('/sse', post(sessionId), '{}', env, caller());
    expect(response.status).toBe(404);
    expect(received).toEqual([]);
  });

  it('answers 404, as for an unknown session, when the session’s stream has closed', async () => {
    session.delivery = { delivered: false, reason: 'no-stream' };
    const sessionId = await mintSessionId(caller());
    const response = await postToSseSession('/sse', post(sessionId), '{}', env, caller());
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Unknown session. Open a new stream with GET /sse.');
  });

  it('answers 400 with the session’s reason when it cannot take the message', async () => {
    session.delivery = { delivered: false, reason: 'invalid', message: 'not a JSON-RPC message' };
    const sessionId = await mintSessionId(caller());
    const response = await postToSseSession('/sse', post(sessionId), '[]', env, caller());
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('not a JSON-RPC message');
  });

  it('answers 404 without a session id, or on another path', async () => {
    expect((await postToSseSession('/sse', new Request('https://mcp.example/sse/message', { method: 'POST' }), '{}', env, caller())).status).toBe(404);
    const sessionId = await mintSessionId(caller());
    expect((await postToSseSession('/sse', new Request(`https://mcp.example/sse?sessionId=${sessionId}`, { method: 'POST' }), '{}', env, caller())).status).toBe(404);
    expect(received).toEqual([]);
  });
});
