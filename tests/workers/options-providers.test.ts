import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulatedGithubClientSecret } from '../../server/simulated/github';
import { Browser, field, type Page } from './support/browser';
import { externalToken, providerAuthorizationUrl, providerToken, registerAtProvider, PROVIDER } from './support/external-client';
import { CALLBACK, pkce } from './support/oauth-client';
import { serverEnv } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN, postForm, postJson } from './support/worker';

// The simulated providers as products of their own: Simulated GitHub answers as github.com does,
// the Simulated OIDC provider as an OpenID provider and OAuth authorization server must. And no
// new route answers bad input with a 500.

const secret = () => serverEnv.SERVER_SECRET;
afterEach(() => vi.restoreAllMocks());

const expectLabelledPage = (page: Page, label: string) => {
  expect(page.response.headers.get('content-type')).toContain('text/html');
  expect(page.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(page.response.headers.get('x-frame-options')).toBe('DENY');
  expect(page.body).toContain(`<p class="simulated" role="note"><strong>${label}</strong> — served by MCP Auth Lab`);
};

describe('Simulated GitHub', () => {
  const CALLBACK_URL = `${ORIGIN}/authorize/github/callback`;
  const authorizeUrl = (params: Record<string, string> = {}) =>
    `/simulated/github/login/oauth/authorize?${new URLSearchParams({ client_id: 'Ov23li-simulated-mcp-server', redirect_uri: CALLBACK_URL, scope: 'read:user', state: 's1', ...params })}`;

  /** A code from the authorize page, as github.com would redirect with it. */
  async function codeFor(params: Record<string, string> = {}) {
    const browser = new Browser();
    const page = await browser.get(authorizeUrl(params));
    const back = await browser.submit('/simulated/github/login/oauth/authorize', {
      csrf: field(page.body, 'csrf')!,
      request: field(page.body, 'request')!,
      login: 'mona',
      decision: 'allow',
      failure: 'none',
    });
    return new URL(back.response.headers.get('location')!).searchParams.get('code')!;
  }

  const exchange = async (fields: Record<string, string>, accept = 'application/json') =>
    postForm('/simulated/github/login/oauth/access_token', { client_id: 'Ov23li-simulated-mcp-server', client_secret: await simulatedGithubClientSecret(secret()), redirect_uri: CALLBACK_URL, ...fields }, { accept });

  it('its authorize page is labelled as a simulation, offers accounts, and ways to fail', async () => {
    const page = await new Browser().get(authorizeUrl());
    expect(page.response.status).toBe(200);
    expectLabelledPage(page, 'Simulated GitHub');
    expect([...page.body.matchAll(/name="login" value="([^"]+)"/g)].map((m) => m[1])).toEqual(['mona', 'hubot', 'codercat']);
    expect([...page.body.matchAll(/name="failure" value="([^"]+)"/g)].map((m) => m[1])).toEqual(['none', 'token_500', 'token_error']);
    expect(page.body).toContain('value="cancel">Cancel');
  });

  it.each([
    ['an unknown client_id', { client_id: 'someone-else' }, 404],
    ['a redirect_uri other than the registered callback', { redirect_uri: 'https://attacker.example/cb' }, 400],
    ['a plain PKCE challenge', { code_challenge: 'abc', code_challenge_method: 'plain' }, 400],
  ])('%s: an error page, never a redirect', async (_label, params, status) => {
    const page = await new Browser().get(authorizeUrl(params));
    expect(page.response.status).toBe(status);
    expect(page.response.headers.get('location')).toBeNull();
  });

  it('its form needs the CSRF value of the browser that opened it', async () => {
    const browser = new Browser();
    const page = await browser.get(authorizeUrl());
    const form = { csrf: field(page.body, 'csrf')!, request: field(page.body, 'request')!, login: 'mona', decision: 'allow' };
    expect((await browser.submit('/simulated/github/login/oauth/authorize', form, '')).response.status).toBe(403);
  });

  it('re-validates the request in the form: a changed redirect_uri is refused', async () => {
    const browser = new Browser();
    const page = await browser.get(authorizeUrl());
    const request = new URLSearchParams(field(page.body, 'request')!);
    request.set('redirect_uri', 'https://attacker.example/cb');
    const posted = await browser.submit('/simulated/github/login/oauth/authorize', { csrf: field(page.body, 'csrf')!, request: request.toString(), login: 'mona', decision: 'allow' });
    expect(posted.response.status).toBe(400);
    expect(posted.response.headers.get('location')).toBeNull();
  });

  it('its token endpoint answers as GitHub’s: JSON or a form, and errors with HTTP 200', async () => {
    const code = await codeFor();
    const asForm = await exchange({ code }, '*/*');
    expect(asForm.status).toBe(200);
    expect(asForm.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    const fields = new URLSearchParams(await asForm.text());
    expect(fields.get('access_token')).toMatch(/^gho_\w{36}$/);
    expect(fields.get('token_type')).toBe('bearer');
    // The code worked once.
    const again = await exchange({ code });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ error: 'bad_verification_code' });
  });

  it.each([
    ['a wrong client secret', { client_secret: 'wrong' }, 'incorrect_client_credentials'],
    ['another redirect_uri', { redirect_uri: 'https://elsewhere.example/cb' }, 'redirect_uri_mismatch'],
    ['an unknown code', { code: 'nope' }, 'bad_verification_code'],
  ])('refuses %s', async (_label, fields, error) => {
    const code = await codeFor();
    const response = await exchange({ code, ...fields });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ error });
  });

  it('checks PKCE when the authorize request had a challenge', async () => {
    const { verifier, challenge } = await pkce();
    const code = await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' });
    expect(await (await exchange({ code, code_verifier: `${verifier}x` })).json()).toMatchObject({ error: 'bad_verification_code' });
    const ok = await codeFor({ code_challenge: challenge, code_challenge_method: 'S256' });
    expect(await (await exchange({ code: ok, code_verifier: verifier })).json()).toMatchObject({ token_type: 'bearer' });
  });

  it('its user endpoint needs a valid token', async () => {
    expect(await (await callWorker('/simulated/github/api/user')).json()).toMatchObject({ message: 'Requires authentication' });
    const bad = await callWorker('/simulated/github/api/user', { headers: { authorization: 'Bearer gho_nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' });
    const { access_token } = (await (await exchange({ code: await codeFor() })).json()) as { access_token: string };
    const user = await callWorker('/simulated/github/api/user', { headers: { authorization: `token ${access_token}` } });
    expect(await user.json()).toMatchObject({ login: 'mona', id: 9_000_001, simulated: true });
    expect(user.headers.get('x-oauth-scopes')).toBe('read:user');
  });
});

describe('Simulated OIDC provider', () => {
  it('publishes its keys as public JWKs only', async () => {
    const { keys } = (await (await callWorker('/simulated/oidc/jwks')).json()) as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
      expect(key.kid).toMatch(/^[\w-]{43}$/);
      expect(key).not.toHaveProperty('d');
    }
  });

  describe('dynamic client registration (RFC 7591)', () => {
    it.each([
      ['no redirect URIs', { redirect_uris: [] }, 'invalid_redirect_uri'],
      ['an http redirect URI off loopback', { redirect_uris: ['http://app.example/cb'] }, 'invalid_redirect_uri'],
      ['a javascript: redirect URI', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      ['a redirect URI with a fragment', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
      ['an unsupported auth method', { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
    ])('refuses %s', async (_label, metadata, error) => {
      const response = await postJson('/simulated/oidc/register', metadata);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error });
    });

    it.each(['not json', 'null', '[]', '"x"'])('refuses the body %j', async (body) => {
      const response = await callWorker('/simulated/oidc/register', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
    });

    it('a confidential client must authenticate at the token endpoint with its secret', async () => {
      routeUpstreamToWorker();
      const registered = await registerAtProvider({ token_endpoint_auth_method: 'client_secret_basic' });
      expect(registered.client_secret).toMatch(/^[\w-]{43}$/);
      const { url, verifier } = await providerAuthorizationUrl(registered.client_id);
      const browser = new Browser();
      const page = await browser.get(url);
      const back = await browser.submit('/simulated/oidc/authorize', { csrf: field(page.body, 'csrf')!, request: field(page.body, 'request')!, login: 'ada', decision: 'allow' });
      const code = new URL(back.response.headers.get('location')!).searchParams.get('code')!;
      const without = await providerToken(registered.client_id, code, verifier);
      expect(without.status).toBe(401);
      expect(await without.json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  describe('authorization requests', () => {
    it.each([
      ['an unknown client', (url: URL) => url.searchParams.set('client_id', 'unknown-client-id')],
      ['an unregistered redirect URI', (url: URL) => url.searchParams.set('redirect_uri', 'https://attacker.example/cb')],
    ])('%s: an error page, never a redirect', async (_label, change) => {
      const { client_id } = await registerAtProvider();
      const { url } = await providerAuthorizationUrl(client_id);
      change(url);
      const page = await new Browser().get(url);
      expect(page.response.status).toBe(400);
      expect(page.response.headers.get('location')).toBeNull();
    });

    it.each([
      ['no PKCE', (url: URL) => url.searchParams.delete('code_challenge'), 'invalid_request'],
      ['plain PKCE', (url: URL) => url.searchParams.set('code_challenge_method', 'plain'), 'invalid_request'],
      ['an unknown scope', (url: URL) => url.searchParams.set('scope', 'mcp:read admin'), 'invalid_scope'],
      ['a resource that is not a registered API', (url: URL) => url.searchParams.set('resource', `${ORIGIN}/mcp`), 'invalid_target'],
      ['response_type=token', (url: URL) => url.searchParams.set('response_type', 'token'), 'unsupported_response_type'],
    ])('%s: back to the client with the error, its state and iss', async (_label, change, error) => {
      const { client_id } = await registerAtProvider();
      const { url } = await providerAuthorizationUrl(client_id, { state: 'st-p' });
      change(url);
      const page = await new Browser().get(url);
      expect(page.response.status).toBe(302);
      const back = new URL(page.response.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(CALLBACK);
      expect(Object.fromEntries(back.searchParams)).toMatchObject({ error, state: 'st-p', iss: PROVIDER });
    });

    it('its page is labelled, shows the API and escapes the self-registered name', async () => {
      const { client_id } = await registerAtProvider({ client_name: '<script>alert(1)</script>' });
      const { url } = await providerAuthorizationUrl(client_id);
      const page = await new Browser().get(url);
      expectLabelledPage(page, 'Simulated OIDC provider');
      expect(page.body).not.toContain('<script>alert(1)');
      expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      expect(page.body).toContain(`${ORIGIN}/external/mcp`);
    });
  });

  describe('its token endpoint', () => {
    async function codeAndVerifier(clientId: string, options: { scope?: string; resource?: string | null } = {}) {
      const { url, verifier } = await providerAuthorizationUrl(clientId, options);
      const browser = new Browser();
      const page = await browser.get(url);
      const back = await browser.submit('/simulated/oidc/authorize', { csrf: field(page.body, 'csrf')!, request: field(page.body, 'request')!, login: 'ada', decision: 'allow' });
      return { code: new URL(back.response.headers.get('location')!).searchParams.get('code')!, verifier };
    }

    it.each([
      ['a wrong code_verifier', { code_verifier: 'x'.repeat(43) }, 400, 'invalid_grant'],
      ['another redirect_uri', { redirect_uri: 'http://127.0.0.1:1/other' }, 400, 'invalid_grant'],
      ['another resource', { resource: `${ORIGIN}/oidc/mcp` }, 400, 'invalid_target'],
      ['grant_type refresh_token', { grant_type: 'refresh_token' }, 400, 'unsupported_grant_type'],
    ])('refuses %s', async (_label, fields, status, error) => {
      const { client_id } = await registerAtProvider();
      const { code, verifier } = await codeAndVerifier(client_id);
      const response = await providerToken(client_id, code, verifier, fields);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error });
    });

    it('a code is for its own client, and works once', async () => {
      const mine = await registerAtProvider();
      const theirs = await registerAtProvider();
      const { code, verifier } = await codeAndVerifier(mine.client_id);
      expect(await (await providerToken(theirs.client_id, code, verifier)).json()).toMatchObject({ error: 'invalid_grant' });
      expect(await (await providerToken(mine.client_id, code, verifier)).json()).toMatchObject({ error: 'invalid_grant' }); // spent by the attempt
    });

    it('with openid and no resource: an ID token, and an access token for userinfo', async () => {
      const { client_id } = await registerAtProvider();
      const { code, verifier } = await codeAndVerifier(client_id, { scope: 'openid email', resource: null });
      const response = await postForm('/simulated/oidc/token', { grant_type: 'authorization_code', code, code_verifier: verifier, client_id, redirect_uri: CALLBACK });
      const tokens = (await response.json()) as Record<string, string>;
      expect(tokens.id_token).toBeTruthy();
      const userinfo = await callWorker('/simulated/oidc/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(await userinfo.json()).toEqual({ sub: '248289761001', email: 'ada@simulated-oidc.example', email_verified: true });
    });
  });

  it('userinfo refuses a missing token and one issued for an API', async () => {
    routeUpstreamToWorker();
    const missing = await callWorker('/simulated/oidc/userinfo');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const { tokens } = await externalToken(); // aud: /external/mcp, no openid
    expect((await callWorker('/simulated/oidc/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  });

  it('remembers a user’s approval for one client only: another client in the same browser sees the page (its own per-client consent)', async () => {
    routeUpstreamToWorker();
    const first = await externalToken(); // approved in this browser, remembered by the provider
    const again = await providerAuthorizationUrl(first.clientId);
    const sameBrowser = await callWorker(again.url, { headers: { cookie: first.jar.header() } });
    expect(sameBrowser.status).toBe(302); // the same client: straight back with a code
    expect(new URL(sameBrowser.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const other = await registerAtProvider({ client_name: 'Another client' });
    const forOther = await callWorker((await providerAuthorizationUrl(other.client_id)).url, { headers: { cookie: first.jar.header() } });
    expect(forOther.status).toBe(200);
    expect(await forOther.text()).toContain('Another client');
  });

  it('rotating keys needs the CSRF value of its own page', async () => {
    const response = await postForm('/simulated/oidc/keys/rotate', { csrf: 'guess' });
    expect(response.status).toBe(403);
  });
});

describe('no new route answers bad input with a 500', () => {
  const requests: [string, string, RequestInit?][] = [
    ['GET', '/authorize/github/callback'],
    ['GET', '/authorize/oidc/callback?state=x&code=y'],
    ['GET', '/authorize/github/callback?error=access_denied'],
    ['POST', '/authorize/github', { body: 'handle=nope&decision=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['POST', '/authorize/oidc', { body: '{"handle":1}', headers: { 'content-type': 'application/json' } }],
    ['POST', '/authorize/oidc'],
    ['GET', '/authorize/github'],
    ['POST', '/authorize/github/callback'],
    ['GET', '/simulated/github/login/oauth/authorize'],
    ['POST', '/simulated/github/login/oauth/authorize'],
    ['POST', '/simulated/github/login/oauth/access_token', { body: '{not json', headers: { 'content-type': 'application/json' } }],
    ['GET', '/simulated/github/api/user', { headers: { authorization: `Bearer ${'x'.repeat(5000)}` } }],
    ['GET', '/simulated/github/nothing'],
    ['GET', '/simulated/oidc/authorize'],
    ['POST', '/simulated/oidc/authorize', { body: 'request=%%%', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['POST', '/simulated/oidc/token', { body: 'grant_type=authorization_code&code=x', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' } }],
    ['POST', '/simulated/oidc/token', { body: 'x'.repeat(70 * 1024), headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['PUT', '/simulated/oidc/token'],
    ['OPTIONS', '/simulated/oidc/token', { headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } }],
    ['GET', '/simulated/oidc/userinfo', { headers: { authorization: 'Bearer a.b.c' } }],
    ['GET', '/simulated/oidc/nothing'],
    ['POST', '/external/mcp', { body: '{}', headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }],
    ['POST', '/github/mcp', { body: '{}', headers: { authorization: 'Bearer x:y:z', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }],
  ];

  it.each(requests)('%s %s', async (method, path, init = {}) => {
    routeUpstreamToWorker();
    const response = await callWorker(path, { method, ...init });
    expect(response.status).toBeLessThan(500);
  });
});
