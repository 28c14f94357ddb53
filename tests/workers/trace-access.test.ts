/// <reference types="@cloudflare/vitest-plugin/types" />
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabEnv } from '../../server/lab/env';
import { newTraceId, traceCookie } from '../../server/lab/trace-cookie';
import { MAX_EXCHANGES, type RecordedExchange, type TraceSession } from '../../server/lab/trace-session';
import { TraceStream, TracingBrowser } from './support/trace';
import { STAND_IN_CALLBACK_PAGE } from './support/test-worker';
import { callWorker, ORIGIN } from './support/worker';

// Who may start a trace and read it: only the browser holding the trace's cookie, for 30 minutes.

const cookiePair = (setCookie: string) => setCookie.split(';')[0];
const traceStub = (traceId: string) => env.LAB_TRACES.get(env.LAB_TRACES.idFromName(traceId));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('starting a trace', () => {
  it('answers 201 with an unguessable id and its expiry, and sets the trace cookie', async () => {
    const before = Date.now();
    const { traceId, expiresAt, response } = await new TracingBrowser().startTrace();
    expect(traceId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 60 * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60 * 1000);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const [setCookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    expect(setCookie).toMatch(new RegExp(`^__Host-lab-trace=${traceId}\\.[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800$`));
  });

  it('gives every trace its own id', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await new TracingBrowser().startTrace()).traceId));
    expect(new Set(ids).size).toBe(3);
  });

  it('refuses a page on another site, and methods other than POST', async () => {
    const foreign = await callWorker('/lab/traces', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.getSetCookie()).toEqual([]);
    const get = await callWorker('/lab/traces');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('reading a trace', () => {
  it('the browser that started it gets hello first', async () => {
    const browser = new TracingBrowser();
    const { traceId, expiresAt } = await browser.startTrace();
    const stream = await browser.listen(traceId);
    expect(stream).toBeInstanceOf(TraceStream);
    expect(await (stream as TraceStream).next()).toEqual({ type: 'hello', traceId, expiresAt });
    (stream as TraceStream).close();
  });

  it('every other browser gets 403: no cookie, a forged MAC, another trace, another site', async () => {
    const owner = new TracingBrowser();
    const { traceId, response } = await owner.startTrace();
    const [, mac] = cookiePair(response.headers.getSetCookie()[0]).split('=')[1].split('.');
    const forgedMac = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const other = new TracingBrowser();
    await other.startTrace();

    const refusals = {
      'no cookie': await owner.listen(traceId, {}),
      'a forged MAC': await owner.listen(traceId, { cookie: `__Host-lab-trace=${traceId}.${forgedMac}` }),
      "the right id with another trace's MAC": await owner.listen(traceId, { cookie: `__Host-lab-trace=${traceId}.${other.jar.header().split('.')[1]}` }),
      "another trace's cookie": await other.listen(traceId),
      'a page on another site': await owner.listen(traceId, { cookie: owner.jar.header(), origin: 'https://evil.example' }),
    };
    for (const [label, refusal] of Object.entries(refusals)) {
      expect(refusal, label).toBeInstanceOf(Response);
      expect((refusal as Response).status, label).toBe(403);
    }
  });

  it('an id that was never started is 404, even with a valid MAC for it', async () => {
    const traceId = newTraceId();
    const cookie = cookiePair(await traceCookie(traceId, (env as unknown as LabEnv).SERVER_SECRET!));
    const response = await new TracingBrowser().listen(traceId, { cookie });
    expect((response as Response).status).toBe(404);
  });

  it('without a WebSocket upgrade the owner gets 426', async () => {
    const browser = new TracingBrowser();
    const { traceId } = await browser.startTrace();
    const response = await callWorker(`/lab/traces/${traceId}/events`, { headers: { cookie: browser.jar.header() } });
    expect(response.status).toBe(426);
  });
});

describe('expiry', () => {
  it('at the alarm, the stream says expired and closes, and the trace is gone', async () => {
    const browser = new TracingBrowser();
    const { traceId } = await browser.startTrace();
    const stream = (await browser.listen(traceId)) as TraceStream;
    expect((await stream.next()).type).toBe('hello');

    expect(await runDurableObjectAlarm(traceStub(traceId))).toBe(true);
    expect(await stream.next()).toEqual({ type: 'expired' });
    expect((await stream.closed).code).toBe(1000);
    expect(((await browser.listen(traceId)) as Response).status).toBe(404);
  });

  it('after 30 minutes the trace is gone even if the alarm has not run yet', async () => {
    const browser = new TracingBrowser();
    const { traceId, expiresAt } = await browser.startTrace();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expiresAt - 1000);
    const stream = await browser.listen(traceId);
    expect(stream).toBeInstanceOf(TraceStream);
    (stream as TraceStream).close();
    vi.setSystemTime(expiresAt + 1000);
    expect(((await browser.listen(traceId)) as Response).status).toBe(404);
    // and nothing is left behind: no record, no alarm
    expect(await runDurableObjectAlarm(traceStub(traceId))).toBe(false);
  });
});

describe('limits', () => {
  const recorded = (n: number): RecordedExchange => ({
    channel: 'front',
    from: 'browser',
    to: 'client',
    method: 'GET',
    url: `${ORIGIN}/lab/callback?n=${n}`,
    status: 200,
    requestHeaders: [],
    requestBody: null,
    responseHeaders: [],
    responseBody: null,
    startedAt: n,
    endedAt: n,
    redacted: [],
  });

  it(`a trace keeps its first ${MAX_EXCHANGES} exchanges and no more`, async () => {
    const { traceId } = await new TracingBrowser().startTrace();
    const kept = await runInDurableObject(traceStub(traceId), async (trace: TraceSession, state) => {
      for (let n = 1; n <= MAX_EXCHANGES + 1; n++) await trace.record(recorded(n));
      return [...state.storage.kv.list<{ id: string; url: string }>({ prefix: 'exchange:' })].map(([, exchange]) => exchange);
    });
    expect(MAX_EXCHANGES).toBe(500);
    expect(kept).toHaveLength(MAX_EXCHANGES);
    expect(kept.at(-1)).toMatchObject({ id: `worker-${MAX_EXCHANGES}`, url: `${ORIGIN}/lab/callback?n=${MAX_EXCHANGES}` });
  });
});

it('other paths under /lab/ are left to the site', async () => {
  expect(await (await callWorker('/lab/callback')).text()).toBe(STAND_IN_CALLBACK_PAGE);
  expect((await callWorker('/lab/traces/x')).status).toBe(404);
});
