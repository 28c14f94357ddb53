import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, field, type Page } from './support/browser';
import { initializeRequest, postMcp } from './support/mcp-client';
import { authorizationUrl, CALLBACK, exchangeCode, pkce, registerClient, tokensFrom, type Client } from './support/oauth-client';
import { authorizeFor, callTool, configure, ENDPOINTS, resourceOf, restoreConfiguration, toolNames } from './support/options';
import { routeUpstreamToWorker, type UpstreamNetwork } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// Option 3a, the Worker as proxy to an OpenID provider (server/options/oidc-proxy.ts), against the
// Simulated OIDC provider (server/simulated/oidc/) over "the network" (support/upstream.ts), and
// against a made-up real provider whose answers the test writes itself.

const RESOURCE = resourceOf('oidc');
const ISSUER = `${ORIGIN}/simulated/oidc`;

afterEach(() => {
  vi.restoreAllMocks();
  restoreConfiguration();
});

async function openConsent(browser = new Browser(), client?: Client, state = 'client-state') {
  const registered = client ?? (await registerClient());
  const { verifier, challenge } = await pkce();
  const page = await browser.get(authorizationUrl({ client: registered, challenge, resource: RESOURCE, state }));
  return { browser, client: registered, verifier, page };
}

const allowAtLab = (browser: Browser, consent: Page) =>
  browser.submit('/authorize/oidc', { handle: field(consent.body, 'handle')!, decision: 'approve', scope: 'mcp:read' });

async function answerAtProvider(browser: Browser, location: string, answer: { login?: string; decision?: string; failure?: string } = {}) {
  const page = await browser.get(location);
  expect(page.response.status).toBe(200);
  return browser.submit('/simulated/oidc/authorize', {
    csrf: field(page.body, 'csrf')!,
    request: field(page.body, 'request')!,
    login: answer.login ?? 'ada',
    decision: answer.decision ?? 'allow',
    failure: answer.failure ?? 'none',
  });
}

/** Consent, sign-in at the provider, and the callback: returns where the Worker sent the browser. */
async function runFlow(answer: { login?: string; decision?: string; failure?: string } = {}, state = 'st-oidc') {
  const { browser, client, verifier, page } = await openConsent(undefined, undefined, state);
  const toProvider = await allowAtLab(browser, page);
  const back = await answerAtProvider(browser, toProvider.response.headers.get('location')!, answer);
  const done = await browser.get(back.response.headers.get('location')!);
  expect(done.response.status).toBe(302);
  const toClient = new URL(done.response.headers.get('location')!);
  expect(toClient.origin + toClient.pathname).toBe(CALLBACK);
  return { client, verifier, toProvider: new URL(toProvider.response.headers.get('location')!), callback: new URL(back.response.headers.get('location')!), params: toClient.searchParams };
}

const lines = (network: UpstreamNetwork) => network.calls.map((call) => `${call.method} ${call.url.pathname}`);

describe('option 3a end to end', () => {
  it('401, consent, the provider’s sign-in, ID token verified against its JWKS, then the tools', async () => {
    const network = routeUpstreamToWorker();
    const refused = await postMcp(initializeRequest(), { path: ENDPOINTS.oidc });
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/oidc/mcp"`);
    expect(await (await callWorker('/.well-known/oauth-protected-resource/oidc/mcp')).json()).toMatchObject({ resource: RESOURCE, authorization_servers: [ORIGIN] });

    const { browser, client, verifier, page } = await openConsent();
    expect(page.body).toContain('through your Simulated OIDC provider account');
    expect(page.response.headers.getSetCookie().join()).not.toContain('__Host-oauth-upstream-');
    const toProvider = await allowAtLab(browser, page);
    const authorize = new URL(toProvider.response.headers.get('location')!);
    // Discovery happened first: the authorization endpoint came from the provider's document.
    expect(lines(network)).toEqual(['GET /simulated/oidc/.well-known/openid-configuration']);
    expect(authorize.origin + authorize.pathname).toBe(`${ISSUER}/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'mcp-server-proxy',
      redirect_uri: `${ORIGIN}/authorize/oidc/callback`,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
    });
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{32}$/);
    expect(authorize.searchParams.get('state')).not.toBe('client-state');

    const providerPage = await browser.get(authorize);
    expect(providerPage.body).toContain('Simulated OIDC provider</strong> — served by MCP Auth Lab');
    const back = await answerAtProvider(browser, authorize.href, { login: 'grace' });
    const callback = new URL(back.response.headers.get('location')!);
    expect(callback.searchParams.get('iss')).toBe(ISSUER); // RFC 9207, checked by the Worker

    const done = await browser.get(callback);
    const toClient = new URL(done.response.headers.get('location')!);
    expect(Object.fromEntries(toClient.searchParams)).toMatchObject({ state: 'client-state', iss: ORIGIN });
    expect(lines(network)).toEqual([
      'GET /simulated/oidc/.well-known/openid-configuration',
      'POST /simulated/oidc/token',
      'GET /simulated/oidc/jwks',
    ]);
    const tokenCall = network.to('/simulated/oidc/token')[0];
    expect(atob(tokenCall.headers.get('authorization')!.replace('Basic ', ''))).toMatch(/^mcp-server-proxy:[\w-]{43}$/);
    expect(new URLSearchParams(tokenCall.body).get('code_verifier')).toMatch(/^[\w-]{43}$/);

    const tokens = await tokensFrom(await exchangeCode(client, toClient.searchParams.get('code')!, verifier, RESOURCE));
    expect(tokens.resource).toBe(RESOURCE);
    expect(tokens.access_token.split('.')).toHaveLength(1); // this Worker's own opaque token, not the provider's JWT
    expect(await toolNames(ENDPOINTS.oidc, tokens.access_token)).toEqual(['add', 'countdown', 'oidc_userinfo', 'save_note', 'whoami']);
    const whoami = await callTool(ENDPOINTS.oidc, tokens.access_token, 'whoami');
    expect(whoami.result?.structuredContent).toMatchObject({ user: { name: 'grace' }, signed_in_with: 'oidc-proxy', audience: RESOURCE });
    expect((whoami.result?.structuredContent as { user: { id: string } }).user.id).toMatch(/^oidc_[\w-]{22}$/);

    const userinfo = await callTool(ENDPOINTS.oidc, tokens.access_token, 'oidc_userinfo');
    expect(userinfo.result?.structuredContent).toMatchObject({ issuer: ISSUER, claims: { sub: '248289761002', name: 'Grace Hopper', email: 'grace@simulated-oidc.example' } });
    const userinfoCall = network.to('/simulated/oidc/userinfo').at(-1)!;
    const providerToken = userinfoCall.headers.get('authorization')!.replace('Bearer ', '');
    expect(providerToken.split('.')).toHaveLength(3); // the provider's JWT, kept in the grant
    expect(JSON.stringify([tokens, whoami, userinfo])).not.toContain(providerToken);
  });

  it('the provider remembers the lab’s client; the lab still asks each MCP client', async () => {
    routeUpstreamToWorker();
    const browser = new Browser();
    const first = await authorizeFor(RESOURCE, { jar: browser.jar, remember: true });
    expect(first.params.get('code')).toBeTruthy();
    const { page: again } = await openConsent(browser, first.client);
    expect(again.response.status).toBe(302); // remembered at the lab, for this client only
    const atProvider = await browser.get(again.response.headers.get('location')!);
    expect(atProvider.response.headers.get('location')).toContain('/authorize/oidc/callback?code='); // the provider asks nothing

    const other = await registerClient({ client_name: 'Another App' });
    const { page: forOther } = await openConsent(browser, other);
    expect(forOther.response.status).toBe(200);
    expect(field(forOther.body, 'handle')).toBeTruthy();
  });
});

describe('what the provider sends is checked, and a failure reaches the client as an OAuth error', () => {
  it.each([
    ['a tampered signature', 'bad_signature', 'bad_signature'],
    ['an expired ID token', 'expired', 'expired'],
    ['an ID token for another client (wrong audience)', 'wrong_audience', 'wrong_audience'],
    ['an ID token from another issuer', 'wrong_issuer', 'wrong_issuer'],
    ['an ID token with another nonce', 'wrong_nonce', 'wrong_nonce'],
  ])('%s: server_error, and the log names the check', async (_label, failure, reason) => {
    routeUpstreamToWorker();
    const warn = vi.spyOn(console, 'warn');
    const { params } = await runFlow({ failure }, 'st-bad');
    expect(Object.fromEntries(params)).toMatchObject({ error: 'server_error', state: 'st-bad', iss: ORIGIN, failure: 'id-token-rejected' });
    expect(params.get('error_description')).toContain('ID token');
    expect(params.has('code')).toBe(false);
    expect(warn.mock.calls.flat().join('\n')).toContain(`id_token ${reason}`);
  });

  it('the user cancels at the provider: access_denied', async () => {
    routeUpstreamToWorker();
    expect((await runFlow({ decision: 'cancel' })).params.get('error')).toBe('access_denied');
  });

  it('the provider’s token endpoint fails with HTTP 500: temporarily_unavailable', async () => {
    routeUpstreamToWorker();
    expect((await runFlow({ failure: 'token_500' })).params.get('error')).toBe('temporarily_unavailable');
  });

  it('the provider refuses the code: server_error', async () => {
    routeUpstreamToWorker();
    const { params } = await runFlow({ failure: 'token_error' });
    expect(params.get('error')).toBe('server_error');
    expect(params.get('error_description')).toContain('invalid_grant');
  });

  it('an ID token changed on the wire (claims swapped, signature kept) is refused', async () => {
    routeUpstreamToWorker(async (request, forward) => {
      if (!request.url.endsWith('/simulated/oidc/token')) return undefined;
      const body = (await (await forward(request)).json()) as { id_token: string };
      const [header, payload, signature] = body.id_token.split('.');
      const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
      const forged = btoa(JSON.stringify({ ...claims, sub: 'admin' })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      return Response.json({ ...body, id_token: `${header}.${forged}.${signature}` });
    });
    expect((await runFlow()).params.get('error')).toBe('server_error');
  });

  it('a callback whose iss names another issuer is refused (mix-up defence, RFC 9207)', async () => {
    const network = routeUpstreamToWorker();
    const { browser, page } = await openConsent();
    const toProvider = await allowAtLab(browser, page);
    const back = await answerAtProvider(browser, toProvider.response.headers.get('location')!);
    const callback = new URL(back.response.headers.get('location')!);
    callback.searchParams.set('iss', 'https://attacker.example');
    const done = await browser.get(callback);
    expect(new URL(done.response.headers.get('location')!).searchParams.get('error')).toBe('server_error');
    expect(network.to('/simulated/oidc/token')).toEqual([]); // the code was never redeemed
  });

  it('replayed and forged state are refused with an error page', async () => {
    routeUpstreamToWorker();
    const { browser, page } = await openConsent();
    const toProvider = await allowAtLab(browser, page);
    const back = await answerAtProvider(browser, toProvider.response.headers.get('location')!);
    const callback = new URL(back.response.headers.get('location')!);
    expect((await browser.get(callback)).response.status).toBe(302);
    const replayed = await browser.get(callback);
    expect(replayed.response.status).toBe(400);
    expect(replayed.response.headers.get('location')).toBeNull();
    callback.searchParams.set('state', 'B'.repeat(43));
    expect((await browser.get(callback)).response.status).toBe(400);
  });
});

describe('with a real OpenID provider configured', () => {
  /** A provider the test plays: discovery, JWKS and token endpoint, signing ID tokens with RS256. */
  async function fakeProvider(overrides: { discoveryIssuer?: string; discoveryStatus?: number } = {}) {
    const issuer = `https://idp-${crypto.randomUUID().slice(0, 8)}.example`;
    const keys = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', keys.publicKey)), kid: 'rsa-1', use: 'sig', alg: 'RS256' };
    const b64 = (value: string | ArrayBuffer) =>
      btoa(typeof value === 'string' ? value : String.fromCharCode(...new Uint8Array(value))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    let nonce = '';
    configure({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'lab-at-idp', OIDC_CLIENT_SECRET: 'idp-secret' });
    const network = routeUpstreamToWorker(async (request) => {
      const url = new URL(request.url);
      if (url.origin !== issuer) return undefined;
      if (url.pathname === '/.well-known/openid-configuration') {
        if (overrides.discoveryStatus) return new Response('down', { status: overrides.discoveryStatus });
        return Response.json({
          issuer: overrides.discoveryIssuer ?? issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          userinfo_endpoint: `${issuer}/userinfo`,
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        });
      }
      if (url.pathname === '/.well-known/jwks.json') return Response.json({ keys: [jwk] });
      if (url.pathname === '/oauth/token') {
        const now = Math.floor(Date.now() / 1000);
        const input = `${b64(JSON.stringify({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' }))}.${b64(
          JSON.stringify({ iss: issuer, aud: 'lab-at-idp', sub: 'auth0|abc123', name: 'Real Person', iat: now, exp: now + 300, nonce }),
        )}`;
        const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.privateKey, new TextEncoder().encode(input));
        return Response.json({ access_token: 'opaque-at', token_type: 'Bearer', id_token: `${input}.${b64(signature)}` });
      }
      return new Response('not found', { status: 404 });
    });
    return { issuer, network, setNonce: (value: string) => (nonce = value) };
  }

  it('discovers it, signs in there, and verifies an RS256 ID token with its keys', async () => {
    const idp = await fakeProvider();
    const { browser, client, verifier, page } = await openConsent();
    expect(page.body).toContain(`through your ${new URL(idp.issuer).host} account`);
    const toProvider = new URL((await allowAtLab(browser, page)).response.headers.get('location')!);
    expect(toProvider.origin + toProvider.pathname).toBe(`${idp.issuer}/authorize`);
    expect(toProvider.searchParams.get('client_id')).toBe('lab-at-idp');
    idp.setNonce(toProvider.searchParams.get('nonce')!);
    const done = await browser.get(`/authorize/oidc/callback?code=c&state=${toProvider.searchParams.get('state')}`);
    const toClient = new URL(done.response.headers.get('location')!);
    expect(toClient.searchParams.get('error')).toBeNull();
    // The provider offers only client_secret_post: the secret goes in the form, not a Basic header.
    const tokenCall = idp.network.to('/oauth/token')[0];
    expect(new URLSearchParams(tokenCall.body).get('client_secret')).toBe('idp-secret');
    expect(tokenCall.headers.get('authorization')).toBeNull();
    const tokens = await tokensFrom(await exchangeCode(client, toClient.searchParams.get('code')!, verifier, RESOURCE));
    const whoami = await callTool(ENDPOINTS.oidc, tokens.access_token, 'whoami');
    expect(whoami.result?.structuredContent).toMatchObject({ user: { name: 'Real Person' }, signed_in_with: 'oidc-proxy' });
  });

  it('a discovery document that names another issuer stops the sign-in before the provider is visited', async () => {
    await fakeProvider({ discoveryIssuer: 'https://impostor.example' });
    const { browser, page } = await openConsent(undefined, undefined, 'st-disc');
    const answer = await allowAtLab(browser, page);
    const toClient = new URL(answer.response.headers.get('location')!);
    expect(toClient.origin + toClient.pathname).toBe(CALLBACK);
    expect(Object.fromEntries(toClient.searchParams)).toMatchObject({ error: 'server_error', state: 'st-disc', iss: ORIGIN });
  });

  it('a provider whose discovery fails: temporarily_unavailable back to the client', async () => {
    await fakeProvider({ discoveryStatus: 503 });
    const { browser, page } = await openConsent();
    const answer = await allowAtLab(browser, page);
    expect(new URL(answer.response.headers.get('location')!).searchParams.get('error')).toBe('temporarily_unavailable');
  });

  it('OIDC_ISSUER without client credentials is a configuration error (503), not a 500', async () => {
    configure({ OIDC_ISSUER: 'https://idp.example' });
    const { page } = await openConsent();
    expect(page.response.status).toBe(503);
    expect(page.body).toContain('OIDC_CLIENT_ID');
  });
});
