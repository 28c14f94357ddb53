import { expect, test } from 'vitest';
import type { CapturedExchange, TraceEvent } from '../../server/lab/exchange';
import { startTrace } from './trace-client';

/** A WebSocket the test drives: `deliver` plays the Worker sending an event. */
class FakeSocket extends EventTarget {
  static last: FakeSocket;
  readonly url: string;
  closedWith?: number;
  constructor(url: string) {
    super();
    this.url = url;
    FakeSocket.last = this;
  }
  deliver(event: TraceEvent | string) {
    this.dispatchEvent(new MessageEvent('message', { data: typeof event === 'string' ? event : JSON.stringify(event) }));
  }
  close(code?: number) {
    this.closedWith = code;
    this.dispatchEvent(new Event('close'));
  }
}

const exchange = (id: string) => ({ id, source: 'worker', channel: 'front' }) as CapturedExchange;

test('starts a trace, streams the Worker’s exchanges (the backlog too), and closes', async () => {
  const requests: [string, RequestInit | undefined][] = [];
  const fetchStub = (async (url: string, init?: RequestInit) => {
    requests.push([url, init]);
    return Response.json({ traceId: 'abc', expiresAt: 123 }, { status: 201 });
  }) as typeof fetch;
  const started = await startTrace('http://lab.test', fetchStub, FakeSocket as never);
  if (!started.ok) throw new Error(started.reason);
  expect(requests).toEqual([['http://lab.test/lab/traces', { method: 'POST', credentials: 'same-origin' }]]);
  expect(FakeSocket.last.url).toBe('ws://lab.test/lab/traces/abc/events');
  expect(started.trace).toMatchObject({ traceId: 'abc', expiresAt: 123 });

  const socket = FakeSocket.last;
  socket.deliver({ type: 'hello', traceId: 'abc', expiresAt: 123 });
  socket.deliver({ type: 'exchange', exchange: exchange('worker-1') });
  socket.deliver('not json');
  const seen: string[] = [];
  const stop = started.trace.on((captured) => seen.push(captured.id));
  socket.deliver({ type: 'exchange', exchange: exchange('worker-2') });
  stop();
  socket.deliver({ type: 'exchange', exchange: exchange('worker-3') });
  expect(seen).toEqual(['worker-1', 'worker-2']);

  socket.deliver({ type: 'expired' });
  expect(await started.trace.closed).toBe('expired');
  started.trace.close();
  expect(socket.closedWith).toBe(1000);
});

test('https origins use wss', async () => {
  const fetchStub = (async () => Response.json({ traceId: 't', expiresAt: 1 }, { status: 201 })) as typeof fetch;
  await startTrace('https://lab.example', fetchStub, FakeSocket as never);
  expect(FakeSocket.last.url).toBe('wss://lab.example/lab/traces/t/events');
});

test('a server without the lab layer, or no server at all: no trace, and a reason', async () => {
  const notFound = (async () => new Response('Not found', { status: 404 })) as typeof fetch;
  expect(await startTrace('http://lab.test', notFound, FakeSocket as never)).toEqual({ ok: false, reason: 'http://lab.test/lab/traces answered 404: this server does not record traces.' });
  const offline = (async () => {
    throw new TypeError('Failed to fetch');
  }) as typeof fetch;
  expect(await startTrace('http://lab.test', offline, FakeSocket as never)).toMatchObject({ ok: false, reason: expect.stringContaining('Failed to fetch') });
});

test('too many traces from this address: no trace, and the refusal explained from its status and failure code, with when to retry', async () => {
  const refusal = { error: 'temporarily_unavailable', error_description: 'Too many traces started from this network address. Try again in 60 seconds.', failure: 'rate-limited' };
  const limited = (async () => Response.json(refusal, { status: 429, headers: { 'Retry-After': '60' } })) as typeof fetch;
  const before = Date.now();
  const started = await startTrace('http://lab.test', limited, FakeSocket as never);
  if (started.ok || !started.refused) throw new Error('expected a refusal');
  expect(started.reason).toBe('http://lab.test/lab/traces answered 429 (rate-limited).');
  expect(started.refused).toMatchObject({ id: 'rate-limited', serverSaid: JSON.stringify(refusal) });
  expect(started.refused.retryAt).toBeGreaterThanOrEqual(before + 60_000);
  expect(started.refused.retryAt).toBeLessThanOrEqual(Date.now() + 60_000);
});
