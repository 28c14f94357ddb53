import { describe, expect, it } from 'vitest';
import { Browser, field, type Page } from './support/browser';
import { authorizationUrl, CALLBACK, pkce, registerClient, type Client } from './support/oauth-client';
import { ORIGIN } from './support/worker';

// The lab's /authorize pages (server/oauth/authorize.ts): what may go back to the client as a
// redirect, what must stay on an error page, and the forms' CSRF protections.

/** An error shown on the server's own page: never a redirect, so nothing reaches the client. */
function expectErrorPage(page: Page, status: number) {
  expect(page.response.status).toBe(status);
  expect(page.response.headers.get('location')).toBeNull();
  expect(page.response.headers.get('content-type')).toContain('text/html');
  expect(page.body).toContain('<h1 class="error">');
  expect(page.body).not.toContain('code=');
}

async function newRequest(client?: Client, overrides: Record<string, string> = {}) {
  const registered = client ?? (await registerClient());
  const { challenge } = await pkce();
  const url = authorizationUrl({ client: registered, challenge, state: 'st-1' });
  for (const [name, value] of Object.entries(overrides)) url.searchParams.set(name, value);
  return { client: registered, url };
}

async function consentPageFor(userName: string, browser = new Browser(), client?: Client) {
  const request = await newRequest(client);
  const page = await browser.signIn(request.url, userName);
  expect(field(page.body, 'handle')).toBeTruthy();
  return { ...request, browser, page };
}

describe('requests that cannot be trusted get an error page, never a redirect', () => {
  it.each([
    ['an unregistered redirect URI', { redirect_uri: 'https://evil.example/callback' }],
    ['a redirect URI differing by a path segment', { redirect_uri: `${CALLBACK}/extra` }],
    ['a missing redirect URI', { redirect_uri: '' }],
    ['an unknown client_id', { client_id: 'no-such-client' }],
    ['a missing client_id', { client_id: '' }],
  ])('%s', async (_label, overrides) => {
    const { url } = await newRequest(undefined, overrides);
    for (const [name, value] of Object.entries(overrides)) if (value === '') url.searchParams.delete(name);
    expectErrorPage(await new Browser().get(url), 400);
  });

  it('a redirect URI differing by a port, for a web client', async () => {
    const client = await registerClient({ redirect_uris: ['https://app.example/callback'] });
    const { url } = await newRequest(client, { redirect_uri: 'https://app.example:8443/callback' });
    expectErrorPage(await new Browser().get(url), 400);
  });

  it('(but a loopback redirect URI may use any port: RFC 8252 §7.3, for native apps)', async () => {
    const { url } = await newRequest(undefined, { redirect_uri: 'http://127.0.0.1:54321/callback' });
    const page = await new Browser().get(url);
    expect(page.response.status).toBe(200);
    expect(field(page.body, 'csrf')).toBeTruthy();
  });

  it('is shown to a signed-in user too, before any consent is asked', async () => {
    const { browser, client } = await consentPageFor('mona');
    const { url } = await newRequest(client, { redirect_uri: 'https://evil.example/callback' });
    expectErrorPage(await browser.get(url), 400);
  });
});

describe('errors once the client and redirect URI are trusted go back to the client', () => {
  it.each([
    ['a plain PKCE method', { code_challenge_method: 'plain' }],
    ['an unsupported response type', { response_type: 'token' }],
    ['a resource this server does not host', { resource: 'https://elsewhere.example/mcp' }],
  ])('%s → redirect with error, state and iss', async (_label, overrides) => {
    const { url } = await newRequest(undefined, overrides);
    const page = await new Browser().get(url);
    expect(page.response.status).toBe(302);
    const location = new URL(page.response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toMatch(/^(invalid_request|unsupported_response_type|invalid_target)$/);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('iss')).toBe(ORIGIN);
    expect(location.searchParams.has('code')).toBe(false);
  });
});

describe('consent decision', () => {
  it('Deny redirects to the client with access_denied, state and iss, and no code', async () => {
    const { browser, page } = await consentPageFor('nina');
    const denied = await browser.answer(page, 'deny');
    expect(denied.response.status).toBe(302);
    const location = new URL(denied.response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('iss')).toBe(ORIGIN);
    expect(location.searchParams.has('code')).toBe(false);
  });

  it.each(['approve', 'deny'] as const)('refuses a missing handle (%s)', async (decision) => {
    const { browser } = await consentPageFor('olga');
    expectErrorPage(await browser.submit('/authorize', { decision, scope: 'mcp:read' }), 400);
  });

  it.each(['approve', 'deny'] as const)('refuses a forged handle (%s)', async (decision) => {
    const { browser } = await consentPageFor('olga');
    expectErrorPage(await browser.submit('/authorize', { handle: 'forged-handle-value', decision, scope: 'mcp:read' }), 400);
  });

  it('refuses a handle that was already used', async () => {
    const { browser, page } = await consentPageFor('pete');
    expect((await browser.answer(page, 'approve')).response.status).toBe(302);
    expectErrorPage(await browser.answer(page, 'approve'), 400);
    expectErrorPage(await browser.answer(page, 'deny'), 400);
  });

  it('refuses a handle submitted from another browser, even one signed in as the same user', async () => {
    const { page } = await consentPageFor('quinn');
    const otherBrowser = new Browser();
    await consentPageFor('quinn', otherBrowser); // signed in, with its own consent cookie
    expectErrorPage(await otherBrowser.answer(page, 'approve'), 400);
    expectErrorPage(await otherBrowser.answer(page, 'deny'), 400);
  });

  it('refuses a decision from a browser that is not signed in', async () => {
    const { page } = await consentPageFor('rita');
    expectErrorPage(await new Browser().answer(page, 'approve'), 401);
  });
});

describe('sign-in form', () => {
  async function signInForm() {
    const browser = new Browser();
    const { url } = await newRequest();
    const page = await browser.get(url);
    return { browser, url, csrf: field(page.body, 'csrf')!, continueTo: field(page.body, 'continue')! };
  }

  it('is refused without the CSRF cookie (login CSRF, double submit)', async () => {
    const { browser, csrf, continueTo } = await signInForm();
    const page = await browser.submit('/authorize/sign-in', { csrf, continue: continueTo, username: 'sam' }, '');
    expectErrorPage(page, 403);
    expect(page.response.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-session=') && !/max-age=0/i.test(cookie))).toBe(false);
  });

  it('is refused with a CSRF value that does not match the cookie', async () => {
    const { browser, continueTo } = await signInForm();
    expectErrorPage(await browser.submit('/authorize/sign-in', { csrf: 'x'.repeat(32), continue: continueTo, username: 'sam' }), 403);
  });

  it.each(['https://evil.example/authorize?x=1', '//evil.example/authorize?x=1', '/elsewhere'])(
    'never continues to a page other than /authorize (%s)',
    async (target) => {
      const { browser, csrf } = await signInForm();
      expectErrorPage(await browser.submit('/authorize/sign-in', { csrf, continue: target, username: 'sam' }), 400);
    },
  );

  it('asks again for an invalid user name', async () => {
    const { browser, csrf, continueTo } = await signInForm();
    const page = await browser.submit('/authorize/sign-in', { csrf, continue: continueTo, username: '<script>' });
    expect(page.response.status).toBe(400);
    expect(page.body).toContain('aria-invalid="true"');
    expect(page.body).not.toContain('<script>');
    expect(browser.jar.has('__Host-session')).toBe(false);
  });
});

describe('remembered consent', () => {
  async function approveRemembering(browser: Browser, userName: string, client: Client) {
    const { url } = await newRequest(client);
    const page = browser.jar.has('__Host-session') ? await browser.get(url) : await browser.signIn(url, userName);
    expect(field(page.body, 'handle')).toBeTruthy();
    expect((await browser.answer(page, 'approve', { remember: 'yes' })).response.status).toBe(302);
  }

  it('skips the page for the same user and client, but not for another client of that user', async () => {
    const browser = new Browser();
    const first = await registerClient();
    const second = await registerClient();
    await approveRemembering(browser, 'uma', first);

    const again = await browser.get((await newRequest(first)).url);
    expect(again.response.status).toBe(302);
    const location = new URL(again.response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(location.searchParams.get('code')).toBeTruthy();

    const otherClient = await browser.get((await newRequest(second)).url);
    expect(otherClient.response.status).toBe(200);
    expect(field(otherClient.body, 'handle')).toBeTruthy();
  });

  it('asks another user on the same browser again', async () => {
    const browser = new Browser();
    const client = await registerClient();
    await approveRemembering(browser, 'victor', client);

    const { url } = await newRequest(client);
    const signedOut = await browser.submit('/authorize/sign-out', { continue: url.pathname + url.search });
    expect(signedOut.response.status).toBe(303);
    expect(browser.jar.has('__Host-session')).toBe(false);
    const page = await browser.signIn(url, 'wendy');
    expect(page.response.status).toBe(200);
    expect(field(page.body, 'handle')).toBeTruthy();
    expect(page.body).toContain('as wendy?');
  });

  it('is not kept when the box is left unticked', async () => {
    const browser = new Browser();
    const client = await registerClient();
    const { url } = await newRequest(client);
    const page = await browser.signIn(url, 'xena');
    expect((await browser.answer(page, 'approve')).response.status).toBe(302);
    const again = await browser.get((await newRequest(client)).url);
    expect(again.response.status).toBe(200);
    expect(field(again.body, 'handle')).toBeTruthy();
  });
});

describe('page security', () => {
  it('consent, sign-in and error pages cannot be framed or cached', async () => {
    const { page, browser } = await consentPageFor('yuri');
    const signIn = await new Browser().get((await newRequest()).url);
    const error = await browser.get('/authorize?client_id=nope');
    for (const { response } of [page, signIn, error]) {
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('renders a hostile client name escaped', async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const client = await registerClient({ client_name: hostile });
    const { page } = await consentPageFor('zoe', new Browser(), client);
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
  });
});
