import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, field, type Page } from './support/browser';
import { initializeRequest, postMcp } from './support/mcp-client';
import { authorizationUrl, CALLBACK, exchangeCode, pkce, registerClient, tokensFrom, type Client } from './support/oauth-client';
import { authorizeFor, callTool, configure, ENDPOINTS, resourceOf, restoreConfiguration, tokenFor, toolNames } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// Option 2, GitHub behind the Worker (server/options/github.ts), against the Simulated GitHub
// (server/simulated/github.ts) reached over "the network": every call the Worker makes to it is a
// real fetch, answered here by the Worker itself (support/upstream.ts) and recorded.

const RESOURCE = resourceOf('github');
const SIMULATED_AUTHORIZE = `${ORIGIN}/simulated/github/login/oauth/authorize`;

afterEach(() => {
  vi.restoreAllMocks();
  restoreConfiguration();
});

const s256 = async (verifier: string) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const setCookies = (page: Page) => page.response.headers.getSetCookie().join('\n');

/** Opens the lab's authorization URL for /github/mcp in a browser: the lab's own consent page. */
async function openConsent(browser = new Browser(), client?: Client, state = 'client-state') {
  const registered = client ?? (await registerClient());
  const { verifier, challenge } = await pkce();
  const page = await browser.get(authorizationUrl({ client: registered, challenge, resource: RESOURCE, state }));
  return { browser, client: registered, verifier, page };
}

/** Allows on the lab's consent page: returns the redirect to the provider. */
async function allowAtLab(browser: Browser, consent: Page, extra: Record<string, string> = {}) {
  return browser.submit('/authorize/github', { handle: field(consent.body, 'handle')!, decision: 'approve', scope: 'mcp:read', ...extra });
}

/** Answers the Simulated GitHub's page. */
async function answerAtGithub(browser: Browser, location: string, answer: { login?: string; decision?: string; failure?: string } = {}) {
  const page = await browser.get(location);
  expect(page.response.status).toBe(200);
  return browser.submit('/simulated/github/login/oauth/authorize', {
    csrf: field(page.body, 'csrf')!,
    request: field(page.body, 'request')!,
    login: answer.login ?? 'mona',
    decision: answer.decision ?? 'allow',
    failure: answer.failure ?? 'none',
  });
}

describe('option 2 end to end', () => {
  it('401, discovery, registration, the lab’s consent, GitHub, the callback, the token, then the tools', async () => {
    const network = routeUpstreamToWorker();

    // The MCP client's first request: refused, pointing at this endpoint's own metadata.
    const refused = await postMcp(initializeRequest(), { path: ENDPOINTS.github });
    expect(refused.response.status).toBe(401);
    const challenge = refused.response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/github/mcp"`);
    expect(challenge).toContain('scope="mcp:read"');
    const metadata = await (await callWorker('/.well-known/oauth-protected-resource/github/mcp')).json();
    expect(metadata).toMatchObject({ resource: RESOURCE, authorization_servers: [ORIGIN], scopes_supported: ['mcp:read'] });

    const { browser, client, verifier, page: consent } = await openConsent();
    // Consent first, for this client: nothing about GitHub has started, no upstream state exists.
    expect(consent.response.status).toBe(200);
    expect(consent.body).toContain('through your Simulated GitHub account');
    expect(consent.body).toContain('action="/authorize/github"');
    expect(consent.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(setCookies(consent)).toContain('__Host-oauth-consent-');
    expect(setCookies(consent)).not.toContain('__Host-oauth-upstream-');
    expect(network.calls).toEqual([]);

    // Allow: only now is `state` created, bound to this browser, and the user sent to GitHub.
    const toGithub = await allowAtLab(browser, consent);
    expect(toGithub.response.status).toBe(302);
    const githubUrl = new URL(toGithub.response.headers.get('location')!);
    expect(githubUrl.origin + githubUrl.pathname).toBe(SIMULATED_AUTHORIZE);
    expect(Object.fromEntries(githubUrl.searchParams)).toMatchObject({
      client_id: 'Ov23li-simulated-mcp-server',
      redirect_uri: `${ORIGIN}/authorize/github/callback`,
      scope: 'read:user',
      code_challenge_method: 'S256',
    });
    const upstreamState = githubUrl.searchParams.get('state')!;
    expect(upstreamState).not.toBe('client-state'); // the client's state never goes upstream
    expect(setCookies(toGithub)).toMatch(/__Host-oauth-upstream-[^=]+=[^;]+; .*Secure.*HttpOnly.*SameSite=Lax/);

    const githubPage = await browser.get(githubUrl);
    expect(githubPage.body).toContain('Simulated GitHub</strong> — served by MCP Auth Lab, not github.com');
    expect(githubPage.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const back = await answerAtGithub(browser, githubUrl.href, { login: 'hubot' });
    const callbackUrl = new URL(back.response.headers.get('location')!);
    expect(callbackUrl.origin + callbackUrl.pathname).toBe(`${ORIGIN}/authorize/github/callback`);
    expect(callbackUrl.searchParams.get('state')).toBe(upstreamState);

    // The callback: the Worker calls GitHub's token and user endpoints, then answers the client.
    const done = await browser.get(callbackUrl);
    expect(done.response.status).toBe(302);
    const toClient = new URL(done.response.headers.get('location')!);
    expect(toClient.origin + toClient.pathname).toBe(CALLBACK);
    expect(toClient.searchParams.get('state')).toBe('client-state');
    expect(toClient.searchParams.get('iss')).toBe(ORIGIN);

    expect(network.calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual([
      'POST /simulated/github/login/oauth/access_token',
      'GET /simulated/github/api/user',
    ]);
    const exchange = new URLSearchParams(network.calls[0].body);
    expect(exchange.get('client_id')).toBe('Ov23li-simulated-mcp-server');
    expect(exchange.get('client_secret')).toMatch(/^[\w-]{43}$/);
    expect(exchange.get('redirect_uri')).toBe(`${ORIGIN}/authorize/github/callback`);
    expect(await s256(exchange.get('code_verifier')!)).toBe(githubUrl.searchParams.get('code_challenge'));
    expect(network.calls[0].headers.get('accept')).toBe('application/json');
    const githubToken = /^Bearer (gho_\w+)$/.exec(network.calls[1].headers.get('authorization') ?? '')?.[1];
    expect(githubToken).toBeTruthy();

    // The client's token is the Worker's own, for this resource; GitHub's token is nowhere in it.
    const tokenResponse = await exchangeCode(client, toClient.searchParams.get('code')!, verifier, RESOURCE);
    const tokenBody = await tokenResponse.clone().text();
    const tokens = await tokensFrom(tokenResponse);
    expect(tokens.resource).toBe(RESOURCE);
    expect(tokenBody).not.toContain(githubToken);

    expect(await toolNames(ENDPOINTS.github, tokens.access_token)).toEqual(['add', 'countdown', 'github_profile', 'save_note', 'whoami']);
    const whoami = await callTool(ENDPOINTS.github, tokens.access_token, 'whoami');
    expect(whoami.result?.structuredContent).toMatchObject({
      user: { id: 'simulated-github_9000002', name: 'hubot' },
      signed_in_with: 'github',
      client_id: client.clientId,
      audience: RESOURCE,
    });
    const profile = await callTool(ENDPOINTS.github, tokens.access_token, 'github_profile');
    expect(profile.result?.structuredContent).toMatchObject({ login: 'hubot', id: 9_000_002, provider: 'Simulated GitHub' });
    // The tool's call to GitHub used the token kept in the grant, and returned none of it.
    expect(network.to('/simulated/github/api/user').at(-1)?.headers.get('authorization')).toBe(`Bearer ${githubToken}`);
    expect(JSON.stringify([whoami, profile])).not.toContain(githubToken);
  });

  it('the shared tools work as on /mcp, and save_note steps up to mcp:write', async () => {
    routeUpstreamToWorker();
    const { tokens } = await tokenFor(RESOURCE);
    expect((await callTool(ENDPOINTS.github, tokens.access_token, 'add', { a: 2, b: 3 })).result?.structuredContent).toEqual({ sum: 5 });
    const { response } = await postMcp({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'save_note', arguments: { text: 'hi' } } }, { token: tokens.access_token, path: ENDPOINTS.github });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/github/mcp"`);
  });
});

describe('consent per MCP client (the confused deputy defence)', () => {
  it('GitHub remembers the lab’s app and would send any request straight back: the lab still asks for a second client', async () => {
    routeUpstreamToWorker();
    const browser = new Browser();
    // Client A: approved at the lab (remembered) and at GitHub, which now remembers the lab's app.
    const first = await authorizeFor(RESOURCE, { jar: browser.jar, remember: true });
    expect(first.params.get('code')).toBeTruthy();

    // GitHub itself no longer asks: a request for the lab's app goes straight back with a code.
    const { page: againA } = await openConsent(browser, first.client);
    expect(againA.response.status).toBe(302); // A's remembered approval: no lab page either
    const githubAgain = await browser.get(againA.response.headers.get('location')!);
    expect(githubAgain.response.status).toBe(302);
    expect(githubAgain.response.headers.get('location')).toContain('/authorize/github/callback?code=');

    // Client B (an attacker's registration, say) in the same browser: the lab's consent page, naming B.
    const attacker = await registerClient({ client_name: 'Totally Legit App', redirect_uris: ['https://attacker.example/callback'] });
    const { page: forB } = await openConsent(browser, attacker);
    expect(forB.response.status).toBe(200);
    expect(field(forB.body, 'handle')).toBeTruthy();
    expect(forB.body).toContain('Totally Legit App');
    expect(forB.body).toContain('<strong>attacker.example</strong>');
    expect(forB.response.headers.get('location')).toBeNull();
  });

  it('without "remember", the same client is asked again', async () => {
    routeUpstreamToWorker();
    const browser = new Browser();
    const first = await authorizeFor(RESOURCE, { jar: browser.jar });
    const { page } = await openConsent(browser, first.client);
    expect(page.response.status).toBe(200);
    expect(field(page.body, 'handle')).toBeTruthy();
  });

  it('an approval remembered for /mcp does not cover /github/mcp', async () => {
    routeUpstreamToWorker();
    const browser = new Browser();
    const client = await registerClient();
    await authorizeFor(resourceOf('worker'), { client, jar: browser.jar, remember: true, userName: 'ada' });
    const { page } = await openConsent(browser, client);
    expect(page.response.status).toBe(200);
    expect(field(page.body, 'handle')).toBeTruthy();
  });
});

describe('GitHub’s answers reach the MCP client as OAuth errors with its state and iss, never a 500', () => {
  async function flowWith(answer: { decision?: string; failure?: string }) {
    const network = routeUpstreamToWorker();
    const { browser, page } = await openConsent(undefined, undefined, 'st-err');
    const toGithub = await allowAtLab(browser, page);
    const back = await answerAtGithub(browser, toGithub.response.headers.get('location')!, answer);
    const done = await browser.get(back.response.headers.get('location')!);
    expect(done.response.status).toBe(302);
    const toClient = new URL(done.response.headers.get('location')!);
    expect(toClient.origin + toClient.pathname).toBe(CALLBACK);
    expect(toClient.searchParams.get('state')).toBe('st-err');
    expect(toClient.searchParams.get('iss')).toBe(ORIGIN);
    expect(toClient.searchParams.has('code')).toBe(false);
    return { params: toClient.searchParams, network };
  }

  it('the user cancels at GitHub: access_denied', async () => {
    const { params, network } = await flowWith({ decision: 'cancel' });
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('failure')).toBe('provider-cancelled');
    expect(network.calls).toEqual([]); // nothing to exchange
  });

  it('GitHub’s token endpoint fails with HTTP 500: temporarily_unavailable', async () => {
    const { params } = await flowWith({ failure: 'token_500' });
    expect(params.get('error')).toBe('temporarily_unavailable');
    expect(params.has('failure')).toBe(false); // the standard code says it all
    expect(params.get('error_description')).toContain('Simulated GitHub');
  });

  it('GitHub refuses the code (HTTP 200 with an error field): server_error', async () => {
    const { params, network } = await flowWith({ failure: 'token_error' });
    expect(params.get('error')).toBe('server_error');
    expect(params.get('error_description')).toContain('bad_verification_code');
    expect(params.get('failure')).toBe('provider-refused-code');
    expect(network.to('/simulated/github/api/user')).toEqual([]); // no token, no user call
  });

  it('GitHub cannot be reached: temporarily_unavailable', async () => {
    routeUpstreamToWorker((request) => {
      if (new URL(request.url).pathname.endsWith('/access_token')) throw new TypeError('Network connection lost.');
      return undefined;
    });
    const { browser, page } = await openConsent();
    const toGithub = await allowAtLab(browser, page);
    const back = await answerAtGithub(browser, toGithub.response.headers.get('location')!);
    const done = await browser.get(back.response.headers.get('location')!);
    expect(new URL(done.response.headers.get('location')!).searchParams.get('error')).toBe('temporarily_unavailable');
  });

  it('GitHub’s user endpoint refuses the new token: access_denied', async () => {
    routeUpstreamToWorker((request) =>
      new URL(request.url).pathname.endsWith('/api/user') ? Response.json({ message: 'Bad credentials' }, { status: 401 }) : undefined,
    );
    const { browser, page } = await openConsent();
    const toGithub = await allowAtLab(browser, page);
    const back = await answerAtGithub(browser, toGithub.response.headers.get('location')!);
    const done = await browser.get(back.response.headers.get('location')!);
    expect(new URL(done.response.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  it('a callback with neither code nor error: server_error', async () => {
    routeUpstreamToWorker();
    const { browser, page } = await openConsent();
    const toGithub = await allowAtLab(browser, page);
    const state = new URL(toGithub.response.headers.get('location')!).searchParams.get('state')!;
    const done = await browser.get(`/authorize/github/callback?state=${state}`);
    expect(new URL(done.response.headers.get('location')!).searchParams.get('error')).toBe('server_error');
  });
});

describe('the upstream state', () => {
  /** A browser that has consented and been sent to GitHub, and GitHub's redirect back. */
  async function approvedAtGithub() {
    routeUpstreamToWorker();
    const { browser, page } = await openConsent();
    const toGithub = await allowAtLab(browser, page);
    const back = await answerAtGithub(browser, toGithub.response.headers.get('location')!);
    return { browser, callback: new URL(back.response.headers.get('location')!) };
  }

  const expectRefusedHere = (page: Page) => {
    expect(page.response.status).toBe(400);
    expect(page.response.headers.get('location')).toBeNull();
    expect(page.body).toContain('<h1 class="error">');
  };

  it('works once: a replayed callback is refused, with an error page and no redirect', async () => {
    const { browser, callback } = await approvedAtGithub();
    expect((await browser.get(callback)).response.status).toBe(302);
    expectRefusedHere(await browser.get(callback));
  });

  it('a forged state is refused', async () => {
    const { browser, callback } = await approvedAtGithub();
    callback.searchParams.set('state', 'A'.repeat(43));
    expectRefusedHere(await browser.get(callback));
  });

  it('a missing state is refused', async () => {
    const { browser, callback } = await approvedAtGithub();
    callback.searchParams.delete('state');
    expectRefusedHere(await browser.get(callback));
  });

  it('a state started in another browser is refused there (a stolen code and state are useless)', async () => {
    const { browser, callback } = await approvedAtGithub();
    expectRefusedHere(await new Browser().get(callback));
    // ...and the browser that started it can still finish.
    expect((await browser.get(callback)).response.status).toBe(302);
  });
});

describe('consent forms are not interchangeable between sign-ins', () => {
  it('a GitHub consent posted to the lab’s own sign-in form grants nothing', async () => {
    const browser = new Browser();
    const client = await registerClient();
    await authorizeFor(resourceOf('worker'), { client, jar: browser.jar, userName: 'mallory' }); // signed in at the lab
    const { page } = await openConsent(browser, client);
    const posted = await browser.submit('/authorize', { handle: field(page.body, 'handle')!, decision: 'approve', scope: 'mcp:read' });
    expect(posted.response.status).toBe(400);
    expect(posted.response.headers.get('location')).toBeNull();
  });

  it('a lab consent posted to the GitHub form grants nothing', async () => {
    const browser = new Browser();
    const client = await registerClient();
    const { challenge } = await pkce();
    const consent = await browser.signIn(authorizationUrl({ client, challenge, resource: resourceOf('worker') }), 'mallory');
    const posted = await browser.submit('/authorize/github', { handle: field(consent.body, 'handle')!, decision: 'approve', scope: 'mcp:read' });
    expect(posted.response.status).toBe(400);
    expect(posted.response.headers.get('location')).toBeNull();
  });
});

describe('the consent page', () => {
  it('escapes what the client chose, and cannot be framed', async () => {
    const hostile = await registerClient({ client_name: '<img src=x onerror=alert(1)>"' });
    const { page } = await openConsent(undefined, hostile);
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&#60;img src=x onerror=alert(1)&#62;&#34;');
    expect(page.response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('Deny goes back to the client with access_denied, state and iss, and never to GitHub', async () => {
    const network = routeUpstreamToWorker();
    const { browser, page } = await openConsent(undefined, undefined, 'st-deny');
    const denied = await browser.submit('/authorize/github', { handle: field(page.body, 'handle')!, decision: 'deny' });
    const back = new URL(denied.response.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', state: 'st-deny', iss: ORIGIN });
    expect(network.calls).toEqual([]);
  });
});

describe('with a real GitHub OAuth app configured', () => {
  it('sends the user to github.com and calls GitHub’s API, with the app’s own credentials', async () => {
    configure({ GITHUB_CLIENT_ID: 'Ov23liRealApp', GITHUB_CLIENT_SECRET: 'real-secret-value' });
    const network = routeUpstreamToWorker((request) => {
      const url = new URL(request.url);
      if (url.href === 'https://github.com/login/oauth/access_token') return Response.json({ access_token: 'gho_real', token_type: 'bearer', scope: 'read:user' });
      if (url.href === 'https://api.github.com/user') return Response.json({ id: 42, login: 'octocat', name: 'The Octocat', html_url: 'https://github.com/octocat' });
      return undefined;
    });
    const { browser, client, verifier, page } = await openConsent();
    expect(page.body).toContain('through your GitHub account');
    const toGithub = await allowAtLab(browser, page);
    const githubUrl = new URL(toGithub.response.headers.get('location')!);
    expect(githubUrl.origin + githubUrl.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(githubUrl.searchParams.get('client_id')).toBe('Ov23liRealApp');
    // github.com would send the user back here:
    const done = await browser.get(`/authorize/github/callback?code=real-code&state=${githubUrl.searchParams.get('state')}`);
    const toClient = new URL(done.response.headers.get('location')!);
    const [exchange, user] = network.calls;
    expect(new URLSearchParams(exchange.body).get('client_secret')).toBe('real-secret-value');
    expect(user.headers.get('user-agent')).toBeTruthy(); // GitHub's API refuses requests without one
    const tokens = await tokensFrom(await exchangeCode(client, toClient.searchParams.get('code')!, verifier, RESOURCE));
    const whoami = await callTool(ENDPOINTS.github, tokens.access_token, 'whoami');
    expect(whoami.result?.structuredContent).toMatchObject({ user: { id: 'github_42', name: 'octocat' } });
  });

  it('one of the two settings alone is a configuration error (503 page), not a 500', async () => {
    configure({ GITHUB_CLIENT_ID: 'Ov23liRealApp' });
    const { page } = await openConsent();
    expect(page.response.status).toBe(503);
    expect(page.body).toContain('GITHUB_CLIENT_SECRET');
  });
});
