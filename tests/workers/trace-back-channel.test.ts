import { afterEach, describe, expect, it, vi } from 'vitest';
import { field } from './support/browser';
import { authorizationUrl, pkce } from './support/oauth-client';
import { headerOf, TraceStream, TracingBrowser } from './support/trace';
import { callWorker, ORIGIN } from './support/worker';

// The back channel: the Worker's own outgoing calls while it handles a traced request. Today the
// OAuth library fetches Client ID Metadata Documents; the Worker's outbound fetch is the global
// one, which the test answers for a made-up client origin (as in cimd.test.ts).

const APP = 'https://app.example';
const REDIRECT = `${APP}/callback`;
const newClientId = () => `${APP}/oauth/client-${crypto.randomUUID()}.json`;

function serveDocument(clientId: string, respond?: () => Response) {
  const requests: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    requests.push(request);
    if (request.url !== clientId) throw new TypeError(`unexpected outbound fetch in a test: ${request.url}`);
    return respond
      ? respond()
      : Response.json(
          { client_id: clientId, client_name: 'Example App', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
          { headers: { 'cache-control': 'no-store' } },
        );
  });
  return requests;
}

async function cimdAuthorizationUrl(clientId: string) {
  const { challenge } = await pkce();
  return authorizationUrl({ client: { clientId, redirectUri: REDIRECT }, challenge, state: 'back-channel' });
}

async function tracedBrowser() {
  const browser = new TracingBrowser();
  const { traceId } = await browser.startTrace();
  const stream = (await browser.listen(traceId)) as TraceStream;
  expect((await stream.next()).type).toBe('hello');
  return { browser, stream };
}

/** The next `count` exchanges, whatever order they arrive in (each is recorded when it completes). */
async function exchanges(stream: TraceStream, count: number) {
  const list = [];
  while (list.length < count) list.push(await stream.nextExchange());
  return list;
}

afterEach(() => vi.restoreAllMocks());

describe('a Client ID Metadata Document lookup', () => {
  it('during a navigation to /authorize: the fetch is a back-channel exchange to the client, beside the navigation', async () => {
    const { browser, stream } = await tracedBrowser();
    const clientId = newClientId();
    const requests = serveDocument(clientId);
    const url = await cimdAuthorizationUrl(clientId);

    const page = await browser.navigate(url);
    expect(page.status).toBe(200);
    expect(field(await page.text(), 'csrf')).toBeDefined();
    expect(requests.map((request) => request.url)).toEqual([clientId]);

    const [back, front] = (await exchanges(stream, 2)).sort((a, b) => a.channel.localeCompare(b.channel));
    expect(back).toMatchObject({ source: 'worker', channel: 'back', from: 'as', to: 'client', method: 'GET', url: clientId, status: 200, requestBody: null });
    expect(headerOf(back.requestHeaders, 'user-agent')).toMatch(/^workers-oauth-provider\//);
    expect(headerOf(back.requestHeaders, 'accept')).toContain('application/json');
    expect(JSON.parse(back.responseBody!)).toMatchObject({ client_id: clientId, client_name: 'Example App' });
    expect(back.startedAt).toBeLessThanOrEqual(back.endedAt);
    expect(front).toMatchObject({ channel: 'front', from: 'browser', to: 'as', method: 'GET', url: url.href, status: 200 });
    // the lookup happened while the navigation was being answered
    expect(front.startedAt).toBeLessThanOrEqual(back.startedAt);
    stream.close();
  });

  it('during a page fetch: the back-channel call is recorded, the page fetch is not (the page records it)', async () => {
    const { browser, stream } = await tracedBrowser();
    const clientId = newClientId();
    serveDocument(clientId);
    expect((await browser.pageFetch(await cimdAuthorizationUrl(clientId))).status).toBe(200);

    expect(await stream.nextExchange()).toMatchObject({ channel: 'back', to: 'client', url: clientId, status: 200 });
    await (await browser.navigate('/lab/callback?state=sentinel')).text();
    expect(await stream.nextExchange()).toMatchObject({ channel: 'front', url: `${ORIGIN}/lab/callback?state=sentinel` });
    stream.close();
  });

  it('that fails: recorded with no status and the error, and the page says the app could not be verified', async () => {
    const { browser, stream } = await tracedBrowser();
    const clientId = newClientId();
    serveDocument(clientId, () => {
      throw new TypeError('Network connection lost.');
    });
    const page = await browser.navigate(await cimdAuthorizationUrl(clientId));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('This app could not be verified');

    const back = (await exchanges(stream, 2)).find((exchange) => exchange.channel === 'back');
    expect(back).toMatchObject({ to: 'client', url: clientId, status: null, error: 'TypeError: Network connection lost.', responseBody: null });
    stream.close();
  });
});

describe('the CIMD attack lab’s attacker document', () => {
  it('is accepted as a client_id, and the authorization server’s fetch of it is drawn to the attacker', async () => {
    const documentUrl = `${ORIGIN}/lab/attacker/client-metadata.json`;
    const served = await (await callWorker('/lab/attacker/client-metadata.json')).text();
    serveDocument(documentUrl, () => new Response(served, { headers: { 'content-type': 'application/json' } }));
    const { browser, stream } = await tracedBrowser();
    const { challenge } = await pkce();
    const url = authorizationUrl({ client: { clientId: documentUrl, redirectUri: `${ORIGIN}/lab/callback` }, challenge, state: 'attacker-link' });
    const page = await browser.navigate(url);
    expect(page.status).toBe(200);
    expect(field(await page.text(), 'csrf')).toBeDefined(); // the sign-in page: the document was accepted

    const [back, front] = (await exchanges(stream, 2)).sort((a, b) => a.channel.localeCompare(b.channel));
    expect(back).toMatchObject({ channel: 'back', from: 'as', to: 'attacker', method: 'GET', url: documentUrl, status: 200 });
    expect(front).toMatchObject({ channel: 'front', from: 'browser', to: 'as', url: url.href });
    stream.close();
  });
});

describe('bodies', () => {
  it('are kept up to 32 KB, with a note where they were cut', async () => {
    const { browser, stream } = await tracedBrowser();
    const clientId = newClientId();
    const huge = JSON.stringify({ client_id: clientId, client_name: 'x'.repeat(100 * 1024) });
    serveDocument(clientId, () => new Response(huge, { headers: { 'content-type': 'application/json' } }));
    const page = await browser.navigate(await cimdAuthorizationUrl(clientId));
    expect(page.status).toBe(400); // the library refuses a document that large
    await page.text();

    const back = (await exchanges(stream, 2)).find((exchange) => exchange.channel === 'back')!;
    expect(back.status).toBe(200);
    expect(back.responseBody).toBe(`${huge.slice(0, 32 * 1024)}\n… [truncated after 32768 bytes]`);
    stream.close();
  });
});

describe('outside a trace', () => {
  it("the Worker's fetch passes straight through, and nothing is recorded anywhere", async () => {
    const { browser, stream } = await tracedBrowser(); // someone else's trace, listening
    const clientId = newClientId();
    const requests = serveDocument(clientId);
    const untraced = await callWorker(await cimdAuthorizationUrl(clientId), { headers: { 'sec-fetch-mode': 'navigate' } });
    expect(untraced.status).toBe(200);
    expect(requests.map((request) => request.url)).toEqual([clientId]);
    expect(requests[0].headers.get('user-agent')).toMatch(/^workers-oauth-provider\//);

    await (await browser.navigate('/lab/callback?state=sentinel')).text();
    expect(await stream.nextExchange()).toMatchObject({ id: 'worker-1', url: `${ORIGIN}/lab/callback?state=sentinel` });
    stream.close();
  });
});
