import { AUTH_OPTION_ENTRIES } from '../catalogue';
import { SERVER_INFO } from '../server-info';
import { secretOf, type ServerContext, type SimulatedGithub } from '../context';
import type { ServerEnv } from '../env';
import { randomToken, sha256Base64url } from '../jwt/base64url';
import { errorPage, html, page, type PageChrome } from '../ui/html';
import { cookie, csrfValid, derivedSecret, newCsrf, openCookie, readForm, sameSecret, sealCookie } from './browser-state';

/**
 * Simulated GitHub: the three GitHub OAuth endpoints option 2 uses, served by this Worker so the
 * server runs without a GitHub OAuth app. They answer as github.com does (see GitHub's "Authorizing
 * OAuth apps"): the authorize page, a token endpoint that reports errors with HTTP 200 and an
 * `error` field, and a user endpoint. One OAuth app is registered here: this server's own, whose
 * callback is the Worker's /authorize/github/callback.
 *
 * Like github.com, it remembers which apps a user already authorized and then redirects straight
 * back without a page. That is what makes per-client consent on the server's side necessary (the
 * confused deputy problem): this provider only ever sees the server's one client ID.
 *
 * The page also offers ways to fail, for learning: Cancel (access_denied), or a token endpoint
 * that answers HTTP 500 or a GitHub-style error.
 */
export const SIMULATED_GITHUB_BASE = '/simulated/github';
export const SIMULATED_GITHUB = {
  authorize: `${SIMULATED_GITHUB_BASE}/login/oauth/authorize`,
  token: `${SIMULATED_GITHUB_BASE}/login/oauth/access_token`,
  user: `${SIMULATED_GITHUB_BASE}/api/user`,
  signOut: `${SIMULATED_GITHUB_BASE}/logout`,
} as const;

/** This server's OAuth app at the Simulated GitHub. Its secret is derived from SERVER_SECRET. */
export const SIMULATED_GITHUB_CLIENT_ID = 'Ov23li-simulated-mcp-server';
/** The callback registered for that app: the Worker's, of the option that signs users in here. */
const CALLBACK_PATH = AUTH_OPTION_ENTRIES.find((entry) => entry.simulatedProvider === 'github')?.signIn?.callbackPath ?? '/authorize/github/callback';
export const simulatedGithubClientSecret = (secret: string) => derivedSecret(secret, 'simulated-github/client-secret');

const CHROME: PageChrome = {
  brand: 'Simulated GitHub',
  banner: html`<strong>Simulated GitHub</strong> — served by ${SERVER_INFO.title}, not github.com. No real account is used; nothing leaves this server.`,
  note: `A simulation of github.com served by ${SERVER_INFO.title}, so it runs without a GitHub OAuth app.`,
};

interface SimulatedUser {
  login: string;
  id: number;
  name: string;
}
const USERS: SimulatedUser[] = [
  { login: 'mona', id: 9_000_001, name: 'Mona Octocat' },
  { login: 'hubot', id: 9_000_002, name: 'Hubot' },
  { login: 'codercat', id: 9_000_003, name: 'Coder Cat' },
];

const FAILURES = {
  none: "Don't fail",
  token_500: 'Authorize, then the token endpoint fails with HTTP 500',
  token_error: 'Authorize, then the token endpoint refuses the code (bad_verification_code)',
} as const;
type Failure = keyof typeof FAILURES;

const SESSION_COOKIE = '__Host-simulated-github';
const CSRF_COOKIE = '__Host-simulated-github-form';
const SESSION_SECONDS = 8 * 60 * 60;
const CODE_SECONDS = 600;
const TOKEN_SECONDS = 30 * 24 * 60 * 60;
const SCOPES: Record<string, string> = { 'read:user': 'Read your profile data', 'user:email': 'Read your email addresses' };

/** Who is signed in at this simulated GitHub, and which apps they authorized (with which scopes). */
interface Session {
  login: string;
  apps: Record<string, string[]>;
}

interface CodeRecord {
  login: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge?: string;
  failure: Failure;
}

interface TokenRecord {
  login: string;
  scope: string;
  clientId: string;
}

const codeKey = async (code: string) => `simulated-github:code:${await sha256Base64url(code)}`;
const tokenKey = async (token: string) => `simulated-github:token:${await sha256Base64url(token)}`;

/** Simulated GitHub, as the server composes it (server/index.ts). */
export const simulatedGithub: SimulatedGithub = {
  id: 'github',
  name: 'Simulated GitHub',
  paths: { base: SIMULATED_GITHUB_BASE, aliases: [] },
  handle: handleSimulatedGithub,
  async app(context) {
    return {
      authorizeUrl: context.origin + SIMULATED_GITHUB.authorize,
      tokenUrl: context.origin + SIMULATED_GITHUB.token,
      userUrl: context.origin + SIMULATED_GITHUB.user,
      clientId: SIMULATED_GITHUB_CLIENT_ID,
      clientSecret: await simulatedGithubClientSecret(secretOf(context)),
    };
  },
};

async function handleSimulatedGithub(request: Request, context: ServerContext): Promise<Response> {
  const { env, origin } = context;
  const { pathname } = new URL(request.url);
  const secret = secretOf(context);
  const method = request.method;
  if (pathname === SIMULATED_GITHUB.authorize && method === 'GET') return showAuthorize(request, env, origin, secret);
  if (pathname === SIMULATED_GITHUB.authorize && method === 'POST') return decide(request, env, origin, secret);
  if (pathname === SIMULATED_GITHUB.token && method === 'POST') return exchangeCode(request, env, secret);
  if (pathname === SIMULATED_GITHUB.user && method === 'GET') return user(request, env);
  if (pathname === SIMULATED_GITHUB.signOut && method === 'POST') return signOut(request);
  if (pathname === SIMULATED_GITHUB_BASE && method === 'GET') return landing(origin);
  return errorPage(404, 'Not Found', 'Simulated GitHub has no page at this address.', undefined, CHROME);
}

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string[];
  state: string;
  codeChallenge?: string;
}

/** GitHub's own checks, in its order: an unknown app is a 404; a wrong callback URL never redirects. */
function parseRequest(params: URLSearchParams, origin: string): AuthorizeRequest | Response {
  if (params.get('client_id') !== SIMULATED_GITHUB_CLIENT_ID) {
    return errorPage(404, 'Not Found', 'No OAuth app with this client_id is registered at Simulated GitHub.', undefined, CHROME);
  }
  const registered = origin + CALLBACK_PATH;
  const redirectUri = params.get('redirect_uri') ?? registered;
  if (redirectUri !== registered) {
    return errorPage(400, 'Redirect URI mismatch', 'The redirect_uri must match the callback URL registered for this application.', undefined, CHROME);
  }
  const method = params.get('code_challenge_method');
  const codeChallenge = params.get('code_challenge') ?? undefined;
  if (codeChallenge && method !== 'S256') {
    return errorPage(400, 'Unsupported code challenge', 'Only the S256 code_challenge_method is supported.', undefined, CHROME);
  }
  const scope = (params.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
  return { clientId: SIMULATED_GITHUB_CLIENT_ID, redirectUri, scope, state: params.get('state') ?? '', codeChallenge };
}

const sessionOf = (request: Request, secret: string) => openCookie<Session>(request, SESSION_COOKIE, secret);

async function showAuthorize(request: Request, env: ServerEnv, origin: string, secret: string): Promise<Response> {
  const url = new URL(request.url);
  const parsed = parseRequest(url.searchParams, origin);
  if (parsed instanceof Response) return parsed;
  const session = await sessionOf(request, secret);
  const approved = session?.apps[parsed.clientId];
  if (session && approved && parsed.scope.every((scope) => approved.includes(scope))) {
    // Already authorized with these scopes: github.com redirects back at once, with no page.
    return redirectWithCode(env, parsed, session.login, 'none', new Headers());
  }
  const csrf = newCsrf(CSRF_COOKIE);
  const redirectHost = new URL(parsed.redirectUri).host;
  return page(
    `Authorize ${SERVER_INFO.title}`,
    html`<span class="badge">OAuth app authorization</span>
<h1>Authorize <q>${SERVER_INFO.title}</q></h1>
<p>The MCP server ${SERVER_INFO.title} wants to access your Simulated GitHub account.</p>
<form method="post" action="${SIMULATED_GITHUB.authorize}">
  <input type="hidden" name="csrf" value="${csrf.token}">
  <input type="hidden" name="request" value="${url.search.slice(1)}">
  <fieldset class="choices">
    <legend>Sign in as</legend>
    ${USERS.map(
      (user, i) =>
        html`<label><input type="radio" name="login" value="${user.login}" ${session?.login === user.login || (!session && i === 0) ? 'checked' : ''}> <span><strong>${user.login}</strong> <small>${user.name}</small></span></label>`,
    )}
  </fieldset>
  <dl>
    <dt>Permissions</dt><dd>${parsed.scope.length > 0 ? parsed.scope.map((scope) => html`<code>${scope}</code> <small>${SCOPES[scope] ?? ''}</small><br>`) : html`<small>Public information only</small>`}</dd>
    <dt>Redirects to</dt><dd><strong>${redirectHost}</strong></dd>
  </dl>
  <fieldset class="choices">
    <legend>Make it fail (for learning)</legend>
    ${Object.entries(FAILURES).map(
      ([value, label]) => html`<label><input type="radio" name="failure" value="${value}" ${value === 'none' ? 'checked' : ''}> <span>${label}</span></label>`,
    )}
  </fieldset>
  <div class="actions">
    <button class="primary" type="submit" name="decision" value="allow">Authorize</button>
    <button type="submit" name="decision" value="cancel">Cancel</button>
  </div>
</form>
<p class="muted"><small>Cancel sends you back with <code>error=access_denied</code>, as github.com does.</small></p>`,
    { headers: new Headers({ 'Set-Cookie': csrf.cookie }), chrome: CHROME },
  );
}

async function decide(request: Request, env: ServerEnv, origin: string, secret: string): Promise<Response> {
  const form = await readForm(request);
  if (!csrfValid(request, CSRF_COOKIE, form.get('csrf') ?? '')) {
    return errorPage(403, 'Form expired', 'This form could not be verified (it expired or came from another site). Start again from the app.', undefined, CHROME);
  }
  // The request is validated again from scratch: nothing in the form is trusted more than the URL was.
  const parsed = parseRequest(new URLSearchParams(form.get('request') ?? ''), origin);
  if (parsed instanceof Response) return parsed;
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  headers.append('Set-Cookie', cookie(CSRF_COOKIE, '', 0, 'Strict'));
  if (form.get('decision') !== 'allow') {
    const back = new URL(parsed.redirectUri);
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'The user has denied your application access.');
    back.searchParams.set('error_uri', 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied');
    if (parsed.state) back.searchParams.set('state', parsed.state);
    headers.set('Location', back.href);
    return new Response(null, { status: 302, headers });
  }
  const login = USERS.find((user) => user.login === form.get('login'))?.login;
  if (!login) return errorPage(400, 'Choose an account', 'Pick one of the simulated accounts to sign in as.', undefined, CHROME);
  const failure = (Object.keys(FAILURES) as Failure[]).find((value) => value === form.get('failure')) ?? 'none';
  const previous = await sessionOf(request, secret);
  const apps = previous?.login === login ? previous.apps : {};
  const session: Session = { login, apps: { ...apps, [parsed.clientId]: [...new Set([...(apps[parsed.clientId] ?? []), ...parsed.scope])] } };
  headers.append('Set-Cookie', await sealCookie(SESSION_COOKIE, session, secret, SESSION_SECONDS));
  return redirectWithCode(env, parsed, login, failure, headers);
}

async function redirectWithCode(env: ServerEnv, request: AuthorizeRequest, login: string, failure: Failure, headers: Headers): Promise<Response> {
  const code = randomToken(15);
  const record: CodeRecord = { login, clientId: request.clientId, redirectUri: request.redirectUri, scope: request.scope.join(','), codeChallenge: request.codeChallenge, failure };
  await env.OAUTH_KV.put(await codeKey(code), JSON.stringify(record), { expirationTtl: CODE_SECONDS });
  const back = new URL(request.redirectUri);
  back.searchParams.set('code', code);
  if (request.state) back.searchParams.set('state', request.state);
  headers.set('Location', back.href);
  headers.set('Cache-Control', 'no-store');
  return new Response(null, { status: 302, headers });
}

/** GitHub answers token errors with HTTP 200 and an `error` field, in the format the client asked for. */
function tokenAnswer(request: Request, fields: Record<string, string>): Response {
  const headers = { 'Cache-Control': 'no-store' };
  if ((request.headers.get('accept') ?? '').includes('application/json')) return Response.json(fields, { headers });
  return new Response(new URLSearchParams(fields).toString(), { headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' } });
}

const tokenError = (request: Request, error: string, description: string) =>
  tokenAnswer(request, { error, error_description: description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });

async function exchangeCode(request: Request, env: ServerEnv, secret: string): Promise<Response> {
  const form = await readForm(request);
  if (form.get('client_id') !== SIMULATED_GITHUB_CLIENT_ID || !sameSecret(form.get('client_secret') ?? '', await simulatedGithubClientSecret(secret))) {
    return tokenError(request, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
  }
  const code = form.get('code') ?? '';
  const key = await codeKey(code);
  const record = code ? await env.OAUTH_KV.get<CodeRecord>(key, 'json') : null;
  if (!record) return tokenError(request, 'bad_verification_code', 'The code passed is incorrect or expired.');
  await env.OAUTH_KV.delete(key); // single use
  if (record.failure === 'token_500') {
    return new Response('<!doctype html><title>Server Error</title><h1>Simulated GitHub: internal server error (as asked on the authorize page)</h1>', {
      status: 500,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
    });
  }
  if (record.failure === 'token_error') return tokenError(request, 'bad_verification_code', 'The code passed is incorrect or expired.');
  const redirectUri = form.get('redirect_uri');
  if (redirectUri !== null && redirectUri !== record.redirectUri) {
    return tokenError(request, 'redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
  }
  if (record.codeChallenge && (await sha256Base64url(form.get('code_verifier') ?? '')) !== record.codeChallenge) {
    return tokenError(request, 'bad_verification_code', 'The code_verifier does not match the code_challenge.');
  }
  const token = `gho_${randomToken(27).replace(/[-_]/g, 'x').slice(0, 36)}`;
  const stored: TokenRecord = { login: record.login, scope: record.scope, clientId: record.clientId };
  await env.OAUTH_KV.put(await tokenKey(token), JSON.stringify(stored), { expirationTtl: TOKEN_SECONDS });
  return tokenAnswer(request, { access_token: token, token_type: 'bearer', scope: record.scope });
}

async function user(request: Request, env: ServerEnv): Promise<Response> {
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '');
  const record = match && match[1].length <= 255 ? await env.OAUTH_KV.get<TokenRecord>(await tokenKey(match[1]), 'json') : null;
  const profile = record && USERS.find((candidate) => candidate.login === record.login);
  if (!profile) {
    return Response.json(
      { message: match ? 'Bad credentials' : 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' },
      { status: 401 },
    );
  }
  return Response.json(
    {
      login: profile.login,
      id: profile.id,
      type: 'User',
      name: profile.name,
      html_url: `https://github.com/${profile.login}`,
      site_admin: false,
      simulated: true,
    },
    { headers: { 'X-OAuth-Scopes': record.scope.replace(/,/g, ', '), 'Cache-Control': 'private, no-store' } },
  );
}

async function signOut(request: Request): Promise<Response> {
  const form = await readForm(request);
  const target = form.get('continue') ?? '';
  const headers = new Headers({ Location: target.startsWith(`${SIMULATED_GITHUB.authorize}?`) ? target : SIMULATED_GITHUB_BASE });
  headers.append('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
  return new Response(null, { status: 303, headers });
}

function landing(origin: string): Response {
  return page(
    'Simulated GitHub',
    html`<span class="badge">About</span>
<h1>Simulated GitHub</h1>
<p>${SERVER_INFO.title} sends you here to sign in when no GitHub OAuth app is configured. It speaks GitHub's OAuth protocol:</p>
<dl>
  <dt>Authorize</dt><dd>${origin + SIMULATED_GITHUB.authorize}</dd>
  <dt>Token</dt><dd>${origin + SIMULATED_GITHUB.token}</dd>
  <dt>User</dt><dd>${origin + SIMULATED_GITHUB.user}</dd>
</dl>
<p>It remembers, in a cookie, which apps you authorized, and then sends you straight back, as github.com does.</p>
<form method="post" action="${SIMULATED_GITHUB.signOut}"><button type="submit">Sign out of Simulated GitHub</button></form>`,
    { chrome: CHROME },
  );
}
