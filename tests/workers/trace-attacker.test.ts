import { describe, expect, it } from 'vitest';
import { headerOf, TraceStream, TracingBrowser } from './support/trace';
import { callWorker, ORIGIN } from './support/worker';

// The lab layer's part in two attack labs. The Origin lab's page of another origin sends no cookie
// of this site, so its requests carry the trace's attacker tag in the query instead: the Worker
// records them as the attacker's and takes the tag off before the server sees them. The CIMD lab's
// attacker document is served under /lab/attacker/ (the authorization server's fetch of it:
// trace-back-channel.test.ts).

async function tracedBrowser() {
  const browser = new TracingBrowser();
  const { traceId, attackerTag } = await browser.startTrace();
  const stream = (await browser.listen(traceId)) as TraceStream;
  expect((await stream.next()).type).toBe('hello');
  return { browser, traceId, attackerTag, stream };
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });

/** A request as a sandboxed page (an opaque origin) makes it: Origin: null, no cookie, the tag in the query. */
function fromForeignPage(path: string, tag: string, init: { method: string; headers?: Record<string, string>; body?: string }) {
  const url = new URL(path, ORIGIN);
  url.searchParams.set('lab-attacker', tag);
  return callWorker(url, { ...init, headers: { origin: 'null', ...init.headers } });
}

const PREFLIGHT = { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } };

/** Nothing else was recorded: the next exchange on the stream is this navigation. */
async function expectNothingRecordedBefore(browser: TracingBrowser, stream: TraceStream) {
  await (await browser.navigate('/lab/callback?state=sentinel')).text();
  expect(await stream.nextExchange()).toMatchObject({ channel: 'front', url: `${ORIGIN}/lab/callback?state=sentinel` });
}

describe('the Origin lab’s page of another origin', () => {
  it('posts with the trace’s tag: refused 403 for its Origin, recorded as the attacker’s, as the server saw it (without the tag)', async () => {
    const { stream, attackerTag } = await tracedBrowser();
    expect(attackerTag).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const response = await fromForeignPage('/mcp', attackerTag, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: INITIALIZE });
    expect(response.status).toBe(403);
    await response.text(); // the recorder's copy is read as fast as the original

    const recorded = await stream.nextExchange();
    expect(recorded).toMatchObject({ source: 'worker', channel: 'api', from: 'attacker', to: 'mcp', method: 'POST', url: `${ORIGIN}/mcp`, status: 403, requestBody: INITIALIZE });
    expect(headerOf(recorded.requestHeaders, 'origin')).toBe('null');
    expect(headerOf(recorded.requestHeaders, 'cookie')).toBeUndefined();
    expect(JSON.parse(recorded.responseBody!).error).toMatchObject({ code: -32000, data: { failure: 'origin-not-allowed' } });
    stream.close();
  });

  it('its preflight is refused at every MCP endpoint, before CORS is granted, and recorded', async () => {
    const { stream, attackerTag } = await tracedBrowser();
    for (const path of ['/mcp', '/sse', '/github/mcp', '/oidc/mcp', '/external/mcp']) {
      const response = await fromForeignPage(path, attackerTag, PREFLIGHT);
      expect(response.status, path).toBe(403);
      expect(response.headers.get('access-control-allow-origin'), path).toBeNull();
      await response.text();
      expect(await stream.nextExchange()).toMatchObject({ channel: 'api', from: 'attacker', to: 'mcp', method: 'OPTIONS', url: `${ORIGIN}${path}`, status: 403 });
    }
    stream.close();
  });

  it('a forged tag, the trace cookie’s value, or a tag on a path that is no MCP endpoint records nothing; each request is answered as without it', async () => {
    const { browser, stream, attackerTag } = await tracedBrowser();
    const [traceId, mac] = attackerTag.split('.');
    const cookieValue = browser.jar.header().split('=').slice(1).join('=');
    for (const tag of [`${traceId}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`, cookieValue, 'not-a-tag']) {
      expect((await fromForeignPage('/mcp', tag, PREFLIGHT)).status, tag).toBe(403);
    }
    const metadata = await fromForeignPage('/.well-known/oauth-authorization-server', attackerTag, { method: 'GET' });
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { issuer: string }).issuer).toBe(ORIGIN);
    await expectNothingRecordedBefore(browser, stream);
    stream.close();
  });

  it('the tag only adds to a trace: it does not open the trace’s stream', async () => {
    const { browser, traceId, attackerTag } = await tracedBrowser();
    const refused = (await browser.listen(traceId, { cookie: `__Host-lab-trace=${attackerTag}` })) as Response;
    expect(refused.status).toBe(403);
  });
});

describe('GET /lab/attacker/client-metadata.json: the CIMD lab’s attacker document', () => {
  const documentUrl = `${ORIGIN}/lab/attacker/client-metadata.json`;

  it('copies the page’s own document in everything but its URL, the one thing it cannot copy', async () => {
    const response = await callWorker('/lab/attacker/client-metadata.json');
    expect(response.status).toBe(200);
    const own = (await (await callWorker('/lab/client-metadata.json')).json()) as Record<string, unknown>;
    expect(await response.json()).toEqual({ ...own, client_id: documentUrl });
    expect((await callWorker('/lab/attacker/client-metadata.json', { method: 'POST' })).status).toBe(405);
  });
});
