import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapturedExchange } from '../../server/lab/exchange';
import { TraceSession } from '../../server/lab/trace-session';
import { field } from './support/browser';
import { authorizationUrl, pkce } from './support/oauth-client';
import { headerOf, TraceStream, TracingBrowser } from './support/trace';
import { callWorker, ORIGIN } from './support/worker';

// The front channel: the browser's navigations through the sign-in and consent pages, the
// redirects, and the callback, recorded by the Worker for the trace whose cookie came with them,
// redacted, and streamed to the page in the order they happened.

afterEach(() => vi.restoreAllMocks());

async function preregisteredAuthorizationUrl(state: string) {
  const { client_id, redirect_uri } = (await (await callWorker('/lab/client')).json()) as { client_id: string; redirect_uri: string };
  const { challenge } = await pkce();
  return authorizationUrl({ client: { clientId: client_id, redirectUri: redirect_uri }, challenge, state });
}

async function tracedBrowser() {
  const browser = new TracingBrowser();
  const { traceId } = await browser.startTrace();
  const stream = (await browser.listen(traceId)) as TraceStream;
  expect((await stream.next()).type).toBe('hello');
  return { browser, traceId, stream };
}

const cookieValue = (response: Response, name: string) =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);

describe('a sign-in and consent, navigation by navigation', () => {
  it('is recorded in order, browser to authorization server to client, with every secret redacted', async () => {
    const { browser, traceId, stream } = await tracedBrowser();
    const traceCookieValue = browser.jar.header().split('=').slice(1).join('=');
    const url = await preregisteredAuthorizationUrl('trace-state');
    const exchanges: CapturedExchange[] = [];

    // 1. GET /authorize: the sign-in page
    const signInPage = await browser.navigate(url);
    const signInHtml = await signInPage.text();
    const csrf = field(signInHtml, 'csrf')!;
    const loginCookie = cookieValue(signInPage, '__Host-sign-in-form')!;
    exchanges.push(await stream.nextExchange());
    expect(exchanges[0]).toMatchObject({
      id: 'worker-1',
      traceId,
      source: 'worker',
      channel: 'front',
      from: 'browser',
      to: 'as',
      method: 'GET',
      url: url.href,
      status: 200,
      requestBody: null,
    });
    expect(exchanges[0].startedAt).toBeLessThanOrEqual(exchanges[0].endedAt);
    expect(headerOf(exchanges[0].requestHeaders, 'sec-fetch-mode')).toBe('navigate');
    expect(headerOf(exchanges[0].requestHeaders, 'cookie')).toBe(`__Host-lab-trace=[redacted cookie, ${traceCookieValue.length} chars]`);
    expect(headerOf(exchanges[0].responseHeaders, 'set-cookie')).toMatch(/^__Host-sign-in-form=\[redacted cookie, \d+ chars\]; Path=\/; Secure; HttpOnly; SameSite=Strict/);
    expect(exchanges[0].responseBody).toContain(`name="csrf" value="[redacted csrf, ${csrf.length} chars]"`);
    expect(exchanges[0].redacted).toEqual(expect.arrayContaining(['header.cookie', 'header.set-cookie', 'response.csrf']));

    // 2. POST /authorize/sign-in: 303 back to /authorize
    const signedIn = await browser.navigate('/authorize/sign-in', { csrf, continue: field(signInHtml, 'continue')!, username: 'ada' });
    expect(signedIn.status).toBe(303);
    const sessionCookie = cookieValue(signedIn, '__Host-session')!;
    exchanges.push(await stream.nextExchange());
    expect(exchanges[1]).toMatchObject({ id: 'worker-2', channel: 'front', from: 'browser', to: 'as', method: 'POST', url: `${ORIGIN}/authorize/sign-in`, status: 303 });
    expect(exchanges[1].requestBody).toContain(`csrf=[redacted csrf, ${csrf.length} chars]`);
    expect(exchanges[1].requestBody).toContain('username=ada');
    expect(headerOf(exchanges[1].responseHeaders, 'location')).toBe(signedIn.headers.get('location'));
    expect(exchanges[1].redacted).toEqual(expect.arrayContaining(['header.cookie', 'body.csrf', 'header.set-cookie']));

    // 3. GET /authorize again: the consent page, with its single-use handle
    const consentPage = await browser.navigate(signedIn.headers.get('location')!);
    const consentHtml = await consentPage.text();
    const handle = field(consentHtml, 'handle')!;
    exchanges.push(await stream.nextExchange());
    expect(exchanges[2]).toMatchObject({ id: 'worker-3', method: 'GET', to: 'as', status: 200 });
    expect(exchanges[2].responseBody).toContain(`name="handle" value="[redacted handle, ${handle.length} chars]"`);
    expect(exchanges[2].responseBody).toContain('MCP Auth Lab (pre-registered)');
    expect(exchanges[2].redacted).toEqual(expect.arrayContaining(['response.handle']));

    // 4. POST /authorize (Allow): 302 to the callback with code, state and iss
    const allowed = await browser.navigate('/authorize', { handle, decision: 'approve', scope: 'mcp:read' });
    expect(allowed.status).toBe(302);
    const callback = new URL(allowed.headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    exchanges.push(await stream.nextExchange());
    expect(exchanges[3]).toMatchObject({ id: 'worker-4', method: 'POST', url: `${ORIGIN}/authorize`, to: 'as', status: 302 });
    expect(exchanges[3].requestBody).toBe(`handle=[redacted handle, ${handle.length} chars]&decision=approve&scope=mcp%3Aread`);
    const location = headerOf(exchanges[3].responseHeaders, 'location')!;
    expect(location).toContain(`code=[redacted code, ${code.length} chars]`);
    expect(location).toContain('state=trace-state'); // state is the client's check, not a secret
    expect(exchanges[3].redacted).toEqual(expect.arrayContaining(['body.handle', 'location.code']));

    // 5. GET /lab/callback: the browser hands the code to the client (the lab page)
    // (a browser reads the page; the recorder's copy of a body completes when the original is read)
    expect(await (await browser.navigate(callback)).text()).toContain('The lab page takes it from here.');
    exchanges.push(await stream.nextExchange());
    expect(exchanges[4]).toMatchObject({ id: 'worker-5', method: 'GET', from: 'browser', to: 'client', status: 200 });
    expect(exchanges[4].url).toBe(callback.href.replace(/code=[^&]*/, `code=[redacted code, ${code.length} chars]`));
    expect(exchanges[4].redacted).toEqual(expect.arrayContaining(['query.code', 'header.cookie']));

    const everything = JSON.stringify(exchanges);
    for (const secret of [code, handle, csrf, loginCookie, sessionCookie, traceCookieValue]) expect(everything).not.toContain(secret);
    stream.close();
  });
});

describe('a page that connects late, or again', () => {
  it('gets hello, then the exchanges so far in the order they were recorded, then new ones live', async () => {
    const { browser, traceId, stream } = await tracedBrowser();
    await (await browser.navigate('/lab/callback?state=one')).text();
    await (await browser.navigate('/lab/callback?state=two')).text();
    const live = [await stream.nextExchange(), await stream.nextExchange()];
    stream.close();

    const again = (await browser.listen(traceId)) as TraceStream;
    expect(await again.next()).toEqual({ type: 'hello', traceId, expiresAt: expect.any(Number) });
    expect([await again.nextExchange(), await again.nextExchange()]).toEqual(live);
    await (await browser.navigate('/lab/callback?state=three')).text();
    expect(await again.nextExchange()).toMatchObject({ id: 'worker-3', url: `${ORIGIN}/lab/callback?state=three` });
    again.close();
  });
});

describe('what the Worker does not record', () => {
  it('requests without the cookie, page fetches, a forged cookie, and pages no diagram draws', async () => {
    const { browser, traceId, stream } = await tracedBrowser();
    const url = await preregisteredAuthorizationUrl('not-recorded');
    const forged = `__Host-lab-trace=${traceId}.${'A'.repeat(43)}`;

    const untraced = await callWorker(url, { headers: { 'sec-fetch-mode': 'navigate' } });
    const pageFetch = await browser.pageFetch(url);
    const forgedCookie = await callWorker(url, { headers: { 'sec-fetch-mode': 'navigate', cookie: forged } });
    const sitePage = await browser.navigate('/lessons/');
    // each one is still answered as usual
    for (const response of [untraced, pageFetch, forgedCookie]) {
      expect(response.status).toBe(200);
      expect(field(await response.text(), 'csrf')).toBeDefined();
    }
    expect(sitePage.status).toBe(404);

    // The next exchange on the stream is this navigation: none of the above came before it.
    await (await browser.navigate('/lab/callback?state=sentinel')).text();
    const next = await stream.nextExchange();
    expect(next.url).toBe(`${ORIGIN}/lab/callback?state=sentinel`);
    expect(next.id).toBe('worker-1');
    stream.close();
  });
});

describe('the cost for everyone else', () => {
  it('a request without the trace cookie is not checked at all; one with it costs one MAC check', async () => {
    const { browser } = await tracedBrowser();
    const url = await preregisteredAuthorizationUrl('cost');
    const verify = vi.spyOn(crypto.subtle, 'verify');
    await (await callWorker(url, { headers: { 'sec-fetch-mode': 'navigate', cookie: '__Host-session=; other=1' } })).text();
    expect(verify).not.toHaveBeenCalled();
    await (await browser.navigate(url)).text();
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe('recording never breaks the request it records', () => {
  it('when the trace cannot store the exchange, the navigation is answered as usual and the failure logged', async () => {
    const { browser } = await tracedBrowser();
    vi.spyOn(TraceSession.prototype, 'record').mockImplementation(async () => {
      throw new Error('storage is down');
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const url = await preregisteredAuthorizationUrl('storage-down');

    const page = await browser.navigate(url);
    expect(page.status).toBe(200);
    expect(field(await page.text(), 'csrf')).toBeDefined();
    await vi.waitFor(() => expect(logged).toHaveBeenCalledWith('trace: an exchange could not be recorded', expect.any(Error)));
  });

  it("when the recorder's copy of a body fails mid-stream, the exchange is kept with a note and the response is whole", async () => {
    const { browser, stream } = await tracedBrowser();
    // The copy the recorder reads breaks; the response the browser gets does not.
    vi.spyOn(Response.prototype, 'clone').mockImplementation(function (this: Response) {
      return new Response(new ReadableStream({ pull: (controller) => controller.error(new Error('body broke')) }), { headers: this.headers });
    });
    const page = await browser.navigate(await preregisteredAuthorizationUrl('body-broke'));
    expect(page.status).toBe(200);
    expect(field(await page.text(), 'csrf')).toBeDefined();
    const exchange = await stream.nextExchange();
    expect(exchange).toMatchObject({ method: 'GET', status: 200, responseBody: '\n… [the body failed here: Error: body broke]' });
    stream.close();
  });
});
