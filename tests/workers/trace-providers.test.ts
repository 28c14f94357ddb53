import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapturedExchange } from '../../server/lab/exchange';
import { authorizeAsUser } from '../support/headless-user';
import { providerAuthorizationUrl, providerToken, registerAtProvider } from './support/external-client';
import { ACCEPT, initializeRequest, PROTOCOL_VERSION } from './support/mcp-client';
import { configure, resourceOf, restoreConfiguration } from './support/options';
import { authorizationUrl, CALLBACK, pkce, registerClient } from './support/oauth-client';
import { headerOf, TraceStream, TracingBrowser } from './support/trace';
import { routeUpstreamToWorker } from './support/upstream';
import { exports } from 'cloudflare:workers';
import { callWorker, ORIGIN } from './support/worker';

// Who is who when a provider is involved (options 2, 3a and 3b): the provider's pages are drawn as
// `upstream` when the provider signs users in for the Worker, and as `as` when it is the MCP
// client's own authorization server; the Worker's calls to it come from the authorization server
// while it signs a user in, and from the MCP server while it serves a request. The simulated
// providers run on this Worker and are reached over HTTP (answered by the Worker in these tests).

afterEach(() => {
  vi.restoreAllMocks();
  restoreConfiguration();
});

async function tracedBrowser() {
  const browser = new TracingBrowser();
  const { traceId } = await browser.startTrace();
  const stream = (await browser.listen(traceId)) as TraceStream;
  expect((await stream.next()).type).toBe('hello');
  return { browser, stream };
}

/** The next `count` exchanges, in the order they were made (each is recorded when it completes). */
async function exchanges(stream: TraceStream, count: number): Promise<CapturedExchange[]> {
  const list: CapturedExchange[] = [];
  while (list.length < count) list.push(await stream.nextExchange());
  return list.sort((a, b) => a.startedAt - b.startedAt || Number(a.id.slice(7)) - Number(b.id.slice(7)));
}

const route = (exchange: CapturedExchange) => `${exchange.channel} ${exchange.from}→${exchange.to} ${exchange.method} ${new URL(exchange.url).pathname} ${exchange.status}`;

/** The browser in the sign-in window: its navigations carry the trace cookie and Sec-Fetch-Mode: navigate. */
const navigating = (browser: TracingBrowser): typeof fetch => (input, init) =>
  callWorker(input instanceof Request ? input.url : input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'sec-fetch-mode': 'navigate', origin: ORIGIN } });

describe('option 3b: the provider is the MCP client’s authorization server', () => {
  it('its pages are browser → as; the MCP server’s key lookups while checking a token are mcp → as', async () => {
    const network = routeUpstreamToWorker();
    const { browser, stream } = await tracedBrowser();
    const { client_id } = await registerAtProvider();
    const { url, verifier } = await providerAuthorizationUrl(client_id);
    const outcome = await authorizeAsUser(url, browser.jar, { fetch: navigating(browser) });
    const callback = new URL(outcome.location!);
    expect(callback.href.startsWith(CALLBACK)).toBe(true);
    const pages = await exchanges(stream, 2);
    expect(pages.map(route)).toEqual(['front browser→as GET /simulated/oidc/authorize 200', 'front browser→as POST /simulated/oidc/authorize 302']);

    const tokens = (await (await providerToken(client_id, callback.searchParams.get('code')!, verifier)).json()) as { access_token: string };
    const answer = await callWorker('/external/mcp', {
      method: 'POST',
      body: JSON.stringify(initializeRequest()),
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': PROTOCOL_VERSION, authorization: `Bearer ${tokens.access_token}`, cookie: browser.jar.header(), 'sec-fetch-mode': 'cors' },
    });
    expect(answer.status).toBe(200);
    await answer.body?.cancel();
    // The first token this isolate checks: the discovery document, then the keys, both fetched for real.
    expect(network.calls.map((call) => call.url.pathname)).toEqual(['/simulated/oidc/.well-known/openid-configuration', '/simulated/oidc/jwks']);
    const lookups = await exchanges(stream, 2);
    expect(lookups.map(route)).toEqual([
      'back mcp→as GET /simulated/oidc/.well-known/openid-configuration 200',
      'back mcp→as GET /simulated/oidc/jwks 200',
    ]);
    expect(JSON.parse(lookups[1].responseBody!).keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    stream.close();
  });
});

describe('option 2: GitHub behind the Worker', () => {
  it('consent at the Worker, GitHub’s pages (browser → upstream), its callback (browser → as), then the Worker’s calls to GitHub (as → upstream), redacted', async () => {
    routeUpstreamToWorker();
    const { browser, stream } = await tracedBrowser();
    const client = await registerClient();
    const { challenge } = await pkce();
    const url = authorizationUrl({ client, challenge, resource: resourceOf('github'), state: 'client-state' });
    const outcome = await authorizeAsUser(url, browser.jar, { fetch: navigating(browser) });
    expect(new URL(outcome.location!).searchParams.get('state')).toBe('client-state');

    const recorded = await exchanges(stream, 7);
    expect(recorded.map(route)).toEqual([
      'front browser→as GET /authorize 200',
      'front browser→as POST /authorize/github 302',
      'front browser→upstream GET /simulated/github/login/oauth/authorize 200',
      'front browser→upstream POST /simulated/github/login/oauth/authorize 302',
      'front browser→as GET /authorize/github/callback 302',
      'back as→upstream POST /simulated/github/login/oauth/access_token 200',
      'back as→upstream GET /simulated/github/api/user 200',
    ]);
    const [, , , , providerCallback, codeExchange, user] = recorded;
    // What crossed the back channel, without a secret left in it.
    expect(codeExchange.redacted).toEqual(expect.arrayContaining(['body.code', 'body.client_secret', 'body.code_verifier', 'response.access_token']));
    expect(codeExchange.requestBody).toMatch(/client_id=Ov23li-simulated-mcp-server&client_secret=%5Bredacted|client_secret=\[redacted/);
    expect(JSON.parse(codeExchange.responseBody!)).toMatchObject({ access_token: expect.stringMatching(/^\[redacted access_token, \d+ chars\]$/), token_type: 'bearer' });
    expect(headerOf(user.requestHeaders, 'authorization')).toMatch(/^Bearer \[redacted authorization, \d+ chars\]$/);
    expect(JSON.parse(user.responseBody!)).toMatchObject({ login: 'mona' });
    expect(providerCallback.url).toMatch(/\?code=%5Bredacted|\?code=\[redacted/);
    stream.close();
  });

  it('a tool call that needs GitHub: the MCP server calls it (mcp → upstream) with the token from the grant', async () => {
    routeUpstreamToWorker();
    const { browser, stream } = await tracedBrowser();
    const client = await registerClient();
    const { verifier, challenge } = await pkce();
    const resource = resourceOf('github');
    const outcome = await authorizeAsUser(authorizationUrl({ client, challenge, resource }), browser.jar, { fetch: navigating(browser) });
    await exchanges(stream, 7);
    const code = new URL(outcome.location!).searchParams.get('code')!;
    const token = await callWorker('/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client.clientId, redirect_uri: CALLBACK, resource }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const answer = await callWorker('/github/mcp', {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'github_profile', arguments: {} } }),
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': PROTOCOL_VERSION, authorization: `Bearer ${access_token}`, cookie: browser.jar.header() },
    });
    expect(answer.status).toBe(200);
    await answer.text();
    expect((await exchanges(stream, 1)).map(route)).toEqual(['back mcp→upstream GET /simulated/github/api/user 200']);
    stream.close();
  });
});

describe('option 3a: your OpenID provider behind the Worker', () => {
  it('the provider’s pages are browser → upstream (they answer the Worker), discovery and the code exchange as → upstream', async () => {
    routeUpstreamToWorker();
    const { browser, stream } = await tracedBrowser();
    const client = await registerClient();
    const { challenge } = await pkce();
    const outcome = await authorizeAsUser(authorizationUrl({ client, challenge, resource: resourceOf('oidc') }), browser.jar, { fetch: navigating(browser) });
    expect(new URL(outcome.location!).searchParams.get('code')).toBeTruthy();
    // Discovery and keys were cached by the 3b test above (one isolate per file): not fetched again.
    const recorded = await exchanges(stream, 6);
    expect(recorded.map(route)).toEqual([
      'front browser→as GET /authorize 200',
      'front browser→as POST /authorize/oidc 302',
      'front browser→upstream GET /simulated/oidc/authorize 200',
      'front browser→upstream POST /simulated/oidc/authorize 302',
      'front browser→as GET /authorize/oidc/callback 302',
      'back as→upstream POST /simulated/oidc/token 200',
    ]);
    const codeExchange = recorded[5];
    expect(codeExchange.redacted).toEqual(expect.arrayContaining(['header.authorization', 'body.code', 'body.code_verifier', 'response.id_token', 'response.access_token']));
    expect(codeExchange.requestBody).toContain('grant_type=authorization_code');
    stream.close();
  });
});

describe('GET /lab/providers: which providers are simulated, and no secrets', () => {
  it('by default every provider is simulated, part of the lab', async () => {
    const response = await callWorker('/lab/providers');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      providers: [
        { option: 'github', endpoint: '/github/mcp', name: 'Simulated GitHub', simulated: true },
        { option: 'oidc-proxy', endpoint: '/oidc/mcp', name: 'Simulated OIDC provider', simulated: true, issuer: `${ORIGIN}/simulated/oidc` },
        { option: 'oidc-external', endpoint: '/external/mcp', name: 'Simulated OIDC provider', simulated: true, issuer: `${ORIGIN}/simulated/oidc` },
      ],
    });
  });

  it('with real providers configured: their names and issuer, never a client ID or secret', async () => {
    configure({ GITHUB_CLIENT_ID: 'Iv1.github-client-id', GITHUB_CLIENT_SECRET: 'github-secret-value', OIDC_ISSUER: 'https://tenant.us.auth0.com/', OIDC_CLIENT_ID: 'auth0-client-id', OIDC_CLIENT_SECRET: 'auth0-secret-value' });
    const text = await (await callWorker('/lab/providers')).text();
    expect(JSON.parse(text).providers).toEqual([
      { option: 'github', endpoint: '/github/mcp', name: 'GitHub', simulated: false },
      { option: 'oidc-proxy', endpoint: '/oidc/mcp', name: 'tenant.us.auth0.com', simulated: false, issuer: 'https://tenant.us.auth0.com/' },
      { option: 'oidc-external', endpoint: '/external/mcp', name: 'tenant.us.auth0.com', simulated: false, issuer: 'https://tenant.us.auth0.com/' },
    ]);
    for (const secret of ['github-client-id', 'github-secret-value', 'auth0-client-id', 'auth0-secret-value']) expect(text).not.toContain(secret);
  });

  it('a half-configured provider is reported with the problem, so the page can explain the failure', async () => {
    configure({ GITHUB_CLIENT_ID: 'only-the-id', OIDC_ISSUER: 'https://idp.example' });
    const { providers } = (await (await callWorker('/lab/providers')).json()) as { providers: { endpoint: string; problem?: string }[] };
    expect(providers.map((provider) => [provider.endpoint, provider.problem ?? null])).toEqual([
      ['/github/mcp', expect.stringContaining('GITHUB_CLIENT_SECRET')],
      ['/oidc/mcp', expect.stringContaining('OIDC_CLIENT_ID')],
      ['/external/mcp', null],
    ]);
  });
});


describe('the SELF binding: the Worker calls its own simulated providers through it', () => {
  /** Stands in for the service binding wrangler.jsonc declares: the request goes to this Worker's own handler. */
  function bindSelf() {
    const received: string[] = [];
    const binding = {
      fetch(input: RequestInfo | URL, init?: RequestInit) {
        const request = new Request(input, init);
        received.push(`${request.method} ${new URL(request.url).pathname}`);
        return exports.default.fetch(request);
      },
    };
    configure({ SELF: binding as unknown as Fetcher });
    return received;
  }

  it('option 2: the code exchange and the user lookup go through SELF, not out to the network, and are still recorded', async () => {
    const network = routeUpstreamToWorker();
    const throughSelf = bindSelf();
    const { browser, stream } = await tracedBrowser();
    const client = await registerClient();
    const { challenge } = await pkce();
    const outcome = await authorizeAsUser(authorizationUrl({ client, challenge, resource: resourceOf('github') }), browser.jar, { fetch: navigating(browser) });
    expect(new URL(outcome.location!).searchParams.get('code')).toBeTruthy();
    expect(throughSelf).toEqual(['POST /simulated/github/login/oauth/access_token', 'GET /simulated/github/api/user']);
    expect(network.calls).toEqual([]);
    const back = (await exchanges(stream, 7)).filter((exchange) => exchange.channel === 'back');
    expect(back.map(route)).toEqual([
      'back as→upstream POST /simulated/github/login/oauth/access_token 200',
      'back as→upstream GET /simulated/github/api/user 200',
    ]);
    expect(back[0].redacted).toEqual(expect.arrayContaining(['body.client_secret', 'response.access_token']));
    stream.close();
  });

  it('a provider configured elsewhere is reached over the network, even at a path like a simulated one', async () => {
    const network = routeUpstreamToWorker(async (request) =>
      new URL(request.url).origin === 'https://other-lab.example' ? Response.json({ error: 'not here' }, { status: 404 }) : undefined,
    );
    const throughSelf = bindSelf();
    configure({ OIDC_ISSUER: 'https://other-lab.example/simulated/oidc' });
    const answer = await callWorker('/external/mcp', {
      method: 'POST',
      body: JSON.stringify(initializeRequest()),
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': PROTOCOL_VERSION, authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' },
    });
    await answer.body?.cancel();
    expect(answer.status).toBe(503); // no discovery document there: the token could not be checked
    expect(throughSelf).toEqual([]);
    expect(network.calls.map((call) => call.url.href)).toEqual(['https://other-lab.example/simulated/oidc/.well-known/openid-configuration']);
  });
});
