import { AUTH_OPTION_ENTRIES, endpointPaths } from '../../catalogue';
import { secretOf, type ServerContext as RequestContext, type SimulatedOidc } from '../../context';
import type { ServerEnv } from '../../env';
import { rateLimitRefusal, REGISTRATION_RATE_LIMIT } from '../../http/rate-limit';
import { randomToken, sha256Base64url } from '../../jwt/base64url';
import { JwtError, localKeys, verifyJwt } from '../../jwt/jwt';
import { errorPage } from '../../ui/html';
import { cookie, csrfValid, newCsrf, openCookie, readForm, sealCookie } from '../browser-state';
import { authenticateClient, lookupClient, PROXY_CLIENT_ID, proxyClientSecret, registerClient, RegistrationError, type SimulatedClient } from './clients';
import { currentSigningKey, publishedKeys, rotateKeys } from './keys';
import { authorizePage, landingPage, OIDC_CHROME } from './pages';
import { issueTokens, TOKEN_FAILURES, userClaims, userinfoAudience, USERS, type Grant, type TokenFailure } from './tokens';

/**
 * The Simulated OIDC provider: an OpenID Connect provider and OAuth 2.1 authorization server at
 * `<origin>/simulated/oidc`, standing in for Auth0, Stytch or Cloudflare Access.
 *
 *   GET  /simulated/oidc/.well-known/openid-configuration   discovery (also at the RFC 8414 paths)
 *   GET  /simulated/oidc/authorize     sign-in and consent; POST answers it
 *   POST /simulated/oidc/token         authorization_code + PKCE S256 → access token (JWT), ID token
 *   GET  /simulated/oidc/userinfo      the user's claims, for an access token with `openid`
 *   GET  /simulated/oidc/jwks          the public signing keys (current, and retired within grace)
 *   POST /simulated/oidc/register      dynamic client registration (RFC 7591), for MCP clients (3b)
 *   GET  /simulated/oidc               about page: keys, rotation, sign-out
 *
 * It remembers a signed-in user and the clients they approved, in a cookie, as real providers do:
 * a client it already knows gets its code without a page.
 */
export const SIMULATED_OIDC_BASE = '/simulated/oidc';
export const simulatedOidcIssuer = (origin: string) => origin + SIMULATED_OIDC_BASE;
const METADATA_PATHS = [
  `${SIMULATED_OIDC_BASE}/.well-known/openid-configuration`,
  `/.well-known/openid-configuration${SIMULATED_OIDC_BASE}`,
  `/.well-known/oauth-authorization-server${SIMULATED_OIDC_BASE}`,
];

/**
 * The APIs registered at this provider (Auth0 calls them APIs): the endpoints of the options whose
 * MCP clients get their tokens here (option 3b).
 */
export const SIMULATED_OIDC_API_PATHS = AUTH_OPTION_ENTRIES.filter((entry) => entry.simulatedProvider === 'oidc' && entry.tokensFrom === 'provider').flatMap(endpointPaths);

const SCOPES = ['openid', 'profile', 'email', 'mcp:read', 'mcp:write'];
const CODE_SECONDS = 600;
const SESSION_SECONDS = 8 * 60 * 60;
const SESSION_COOKIE = '__Host-simulated-oidc';
const CSRF_COOKIE = '__Host-simulated-oidc-form';

export function isSimulatedOidcPath(pathname: string): boolean {
  return pathname === SIMULATED_OIDC_BASE || pathname.startsWith(`${SIMULATED_OIDC_BASE}/`) || METADATA_PATHS.includes(pathname);
}

interface Session {
  login: string;
  approvals: Record<string, string[]>;
}

interface CodeRecord extends Omit<Grant, 'user' | 'issuer'> {
  login: string;
  redirectUri: string;
  codeChallenge: string;
}

interface Context {
  env: ServerEnv;
  origin: string;
  issuer: string;
  secret: string;
}

const CORS = { 'Access-Control-Allow-Origin': '*' };
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}) =>
  Response.json({ error, error_description: description }, { status, headers: { ...CORS, ...NO_STORE, ...headers } });

/** The Simulated OIDC provider, as the server composes it (server/index.ts). */
export const simulatedOidc: SimulatedOidc = {
  id: 'oidc',
  name: 'Simulated OIDC provider',
  paths: { base: SIMULATED_OIDC_BASE, aliases: METADATA_PATHS.filter((path) => !path.startsWith(`${SIMULATED_OIDC_BASE}/`)) },
  handle: handleSimulatedOidc,
  issuer: simulatedOidcIssuer,
  async proxyClient(context) {
    return { clientId: PROXY_CLIENT_ID, clientSecret: await proxyClientSecret(secretOf(context)) };
  },
};

async function handleSimulatedOidc(request: Request, { env, origin }: RequestContext): Promise<Response> {
  const { pathname } = new URL(request.url);
  const context: Context = { env, origin, issuer: simulatedOidcIssuer(origin), secret: secretOf({ env, origin }) };
  const at = (path: string) => pathname === SIMULATED_OIDC_BASE + path;
  const method = request.method;
  const machineEndpoint = METADATA_PATHS.includes(pathname) || ['/token', '/userinfo', '/jwks', '/register'].some(at);
  if (method === 'OPTIONS' && machineEndpoint) return preflight();
  if (METADATA_PATHS.includes(pathname) && method === 'GET') return Response.json(metadata(context), { headers: { ...CORS, 'Cache-Control': 'public, max-age=300' } });
  if (at('/authorize') && method === 'GET') return showAuthorize(request, context);
  if (at('/authorize') && method === 'POST') return decide(request, context);
  if (at('/token') && method === 'POST') return token(request, context);
  if (at('/userinfo') && (method === 'GET' || method === 'POST')) return userinfo(request, context);
  if (at('/jwks') && method === 'GET') return jwks(context);
  if (at('/register') && method === 'POST') return register(request, context);
  if (at('/keys/rotate') && method === 'POST') return rotate(request, context);
  if (at('/logout') && method === 'POST') return signOut();
  if (pathname === SIMULATED_OIDC_BASE && method === 'GET') return landing(request, context);
  if (machineEndpoint) return oauthError(405, 'invalid_request', `${method} is not supported here.`);
  return errorPage(404, 'Not found', 'The Simulated OIDC provider has no page at this address.', undefined, OIDC_CHROME);
}

function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: { ...CORS, 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '86400' },
  });
}

function metadata({ issuer }: Context) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    registration_endpoint: `${issuer}/register`,
    scopes_supported: SCOPES,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'name', 'preferred_username', 'email', 'email_verified', 'nonce', 'auth_time'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}`,
  };
}

interface AuthorizeRequest {
  client: SimulatedClient;
  redirectUri: string;
  scope: string[];
  state?: string;
  nonce?: string;
  codeChallenge: string;
  resource?: string;
  prompt: string[];
}

/** Errors before the client and its redirect URI are known stay on this page; after, they go back. */
async function parseRequest(params: URLSearchParams, context: Context): Promise<AuthorizeRequest | Response> {
  const client = await lookupClient(context.env.OAUTH_KV, context.origin, context.secret, params.get('client_id') ?? '');
  if (!client) return errorPage(400, 'Unknown application', 'No application with this client_id is registered here.', undefined, OIDC_CHROME);
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) {
    return errorPage(400, 'Redirect URI not registered', 'The redirect_uri is not one this application registered.', undefined, OIDC_CHROME);
  }
  const state = params.get('state') ?? undefined;
  const fail = (error: string, description: string) => errorRedirect(redirectUri, context.issuer, state, error, description);
  if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
  const codeChallenge = params.get('code_challenge') ?? '';
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge) || params.get('code_challenge_method') !== 'S256') {
    return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required.');
  }
  const scope = [...new Set((params.get('scope') ?? '').split(' ').filter(Boolean))];
  const unknown = scope.filter((value) => !SCOPES.includes(value));
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(' ').slice(0, 100)}`);
  const resources = params.getAll('resource');
  const known = SIMULATED_OIDC_API_PATHS.map((path) => context.origin + path);
  if (resources.length > 1 || (resources.length === 1 && !known.includes(resources[0]))) {
    return fail('invalid_target', 'The resource is not an API registered at this provider.');
  }
  const nonce = params.get('nonce') ?? undefined;
  return { client, redirectUri, scope, state, nonce, codeChallenge, resource: resources[0], prompt: (params.get('prompt') ?? '').split(' ') };
}

function errorRedirect(redirectUri: string, issuer: string, state: string | undefined, error: string, description: string): Response {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('iss', issuer);
  return new Response(null, { status: 302, headers: { Location: url.href, ...NO_STORE } });
}

const sessionOf = (request: Request, context: Context) => openCookie<Session>(request, SESSION_COOKIE, context.secret);

async function showAuthorize(request: Request, context: Context): Promise<Response> {
  const url = new URL(request.url);
  const parsed = await parseRequest(url.searchParams, context);
  if (parsed instanceof Response) return parsed;
  const session = await sessionOf(request, context);
  const approved = session?.approvals[parsed.client.clientId];
  const mustAsk = parsed.prompt.includes('login') || parsed.prompt.includes('consent');
  if (session && approved && !mustAsk && parsed.scope.every((scope) => approved.includes(scope))) {
    return redirectWithCode(parsed, session.login, 'none', context, new Headers());
  }
  if (parsed.prompt.includes('none')) return errorRedirect(parsed.redirectUri, context.issuer, parsed.state, 'login_required', 'The user must sign in.');
  const csrf = newCsrf(CSRF_COOKIE);
  return authorizePage(
    { basePath: SIMULATED_OIDC_BASE, client: parsed.client, redirectUri: parsed.redirectUri, scope: parsed.scope, resource: parsed.resource, query: url.search.slice(1), csrf: csrf.token, signedInAs: session?.login },
    new Headers({ 'Set-Cookie': csrf.cookie }),
  );
}

async function decide(request: Request, context: Context): Promise<Response> {
  const form = await readForm(request);
  if (!csrfValid(request, CSRF_COOKIE, form.get('csrf') ?? '')) {
    return errorPage(403, 'Form expired', 'This form could not be verified (it expired or came from another site). Start again from the app.', undefined, OIDC_CHROME);
  }
  // Validated again from scratch: the form is trusted no more than the URL was.
  const parsed = await parseRequest(new URLSearchParams(form.get('request') ?? ''), context);
  if (parsed instanceof Response) return parsed;
  const headers = new Headers(NO_STORE);
  headers.append('Set-Cookie', cookie(CSRF_COOKIE, '', 0, 'Strict'));
  if (form.get('decision') !== 'allow') {
    const denied = errorRedirect(parsed.redirectUri, context.issuer, parsed.state, 'access_denied', 'The user cancelled the sign-in.');
    headers.set('Location', denied.headers.get('Location')!);
    return new Response(null, { status: 302, headers });
  }
  const user = USERS.find((candidate) => candidate.login === form.get('login'));
  if (!user) return errorPage(400, 'Choose an account', 'Pick one of the simulated users to sign in as.', undefined, OIDC_CHROME);
  const failure = (Object.keys(TOKEN_FAILURES) as TokenFailure[]).find((value) => value === form.get('failure')) ?? 'none';
  const previous = await sessionOf(request, context);
  const approvals = previous?.login === user.login ? previous.approvals : {};
  const clientId = parsed.client.clientId;
  const session: Session = { login: user.login, approvals: { ...approvals, [clientId]: [...new Set([...(approvals[clientId] ?? []), ...parsed.scope])] } };
  headers.append('Set-Cookie', await sealCookie(SESSION_COOKIE, session, context.secret, SESSION_SECONDS));
  return redirectWithCode(parsed, user.login, failure, context, headers);
}

const codeKey = async (code: string) => `simulated-oidc:code:${await sha256Base64url(code)}`;

async function redirectWithCode(request: AuthorizeRequest, login: string, failure: TokenFailure, context: Context, headers: Headers): Promise<Response> {
  const code = randomToken(32);
  const record: CodeRecord = {
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    resource: request.resource,
    nonce: request.nonce,
    login,
    authTime: Math.floor(Date.now() / 1000),
    failure,
  };
  await context.env.OAUTH_KV.put(await codeKey(code), JSON.stringify(record), { expirationTtl: CODE_SECONDS });
  const back = new URL(request.redirectUri);
  back.searchParams.set('code', code);
  if (request.state !== undefined) back.searchParams.set('state', request.state);
  back.searchParams.set('iss', context.issuer); // RFC 9207
  headers.set('Location', back.href);
  for (const [name, value] of Object.entries(NO_STORE)) headers.set(name, value);
  return new Response(null, { status: 302, headers });
}

async function token(request: Request, context: Context): Promise<Response> {
  const form = await readForm(request);
  const client = await authenticateClient(request, form, (id) => lookupClient(context.env.OAUTH_KV, context.origin, context.secret, id));
  if (!client) {
    const basic = /^Basic\s/i.test(request.headers.get('authorization') ?? '');
    return oauthError(401, 'invalid_client', 'Client authentication failed.', basic ? { 'WWW-Authenticate': 'Basic realm="simulated-oidc"' } : {});
  }
  if (form.get('grant_type') !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', 'Only authorization_code is supported.');
  const code = form.get('code') ?? '';
  const key = await codeKey(code);
  const record = code ? await context.env.OAUTH_KV.get<CodeRecord>(key, 'json') : null;
  if (!record) return oauthError(400, 'invalid_grant', 'The code is invalid, expired or already used.');
  await context.env.OAUTH_KV.delete(key); // single use
  if (record.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'The code was issued to another client.');
  if (form.get('redirect_uri') !== record.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri differs from the authorization request.');
  if ((await sha256Base64url(form.get('code_verifier') ?? '')) !== record.codeChallenge) {
    return oauthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge.');
  }
  const resource = form.get('resource');
  if (resource !== null && resource !== record.resource) return oauthError(400, 'invalid_target', 'The resource differs from the authorized one.');
  if (record.failure === 'token_500') {
    return new Response('Simulated OIDC provider: internal server error (as asked on the sign-in page).', { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  if (record.failure === 'token_error') return oauthError(400, 'invalid_grant', 'The code was refused (as asked on the sign-in page).');
  const user = USERS.find((candidate) => candidate.login === record.login);
  if (!user) return oauthError(400, 'invalid_grant', 'The user no longer exists.');
  const signingKey = await currentSigningKey(context.env.OAUTH_KV, context.secret);
  const tokens = await issueTokens({ ...record, issuer: context.issuer, user }, signingKey);
  return Response.json(tokens, { headers: { ...CORS, ...NO_STORE } });
}

async function userinfo(request: Request, context: Context): Promise<Response> {
  const match = /^Bearer\s+([A-Za-z0-9._-]{1,8192})$/i.exec(request.headers.get('authorization') ?? '');
  const invalid = (description: string) =>
    oauthError(401, 'invalid_token', description, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` });
  if (!match) return invalid('An access token is required.');
  const keys = await publishedKeys(context.env.OAUTH_KV, context.secret);
  try {
    const { claims } = await verifyJwt(match[1], localKeys({ keys: keys.map((key) => key.publicJwk) }), {
      issuer: context.issuer,
      audience: userinfoAudience(context.issuer),
      skewSeconds: 0,
      types: ['at+jwt'],
    });
    const scope = String(claims.scope ?? '').split(' ');
    const user = USERS.find((candidate) => candidate.sub === claims.sub);
    if (!scope.includes('openid') || !user) return invalid('The access token does not allow userinfo.');
    return Response.json(userClaims(user, scope), { headers: { ...CORS, ...NO_STORE } });
  } catch (error) {
    if (error instanceof JwtError) return invalid('The access token is invalid.');
    throw error;
  }
}

async function jwks(context: Context): Promise<Response> {
  const keys = await publishedKeys(context.env.OAUTH_KV, context.secret);
  return Response.json({ keys: keys.map((key) => key.publicJwk) }, { headers: { ...CORS, 'Cache-Control': 'public, max-age=60' } });
}

async function register(request: Request, context: Context): Promise<Response> {
  // Counted with the Worker's own registrations, per client address, before anything is stored.
  const refusal = await rateLimitRefusal(request, context.env.REGISTRATION_LIMITER, REGISTRATION_RATE_LIMIT, { crossOrigin: true });
  if (refusal) return refusal;
  let metadata: unknown;
  try {
    metadata = JSON.parse(await request.text());
  } catch {
    return oauthError(400, 'invalid_client_metadata', 'The body must be a JSON object.');
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return oauthError(400, 'invalid_client_metadata', 'The body must be a JSON object.');
  }
  try {
    const registered = await registerClient(context.env.OAUTH_KV, metadata as Record<string, unknown>);
    return Response.json(registered, { status: 201, headers: { ...CORS, ...NO_STORE } });
  } catch (error) {
    if (error instanceof RegistrationError) {
      const error_ = /redirect/i.test(error.message) ? 'invalid_redirect_uri' : 'invalid_client_metadata';
      return oauthError(400, error_, error.message);
    }
    throw error;
  }
}

async function landing(request: Request, context: Context): Promise<Response> {
  const csrf = newCsrf(CSRF_COOKIE);
  const keys = await publishedKeys(context.env.OAUTH_KV, context.secret);
  const rotated = new URL(request.url).searchParams.get('rotated') === '1';
  return landingPage({ basePath: SIMULATED_OIDC_BASE, issuer: context.issuer, keys, csrf: csrf.token, rotated }, new Headers({ 'Set-Cookie': csrf.cookie }));
}

async function rotate(request: Request, context: Context): Promise<Response> {
  const form = await readForm(request);
  if (!csrfValid(request, CSRF_COOKIE, form.get('csrf') ?? '')) {
    return errorPage(403, 'Form expired', 'This form could not be verified. Open the provider page again.', undefined, OIDC_CHROME);
  }
  await rotateKeys(context.env.OAUTH_KV);
  return new Response(null, { status: 303, headers: { Location: `${SIMULATED_OIDC_BASE}?rotated=1`, 'Set-Cookie': cookie(CSRF_COOKIE, '', 0, 'Strict') } });
}

function signOut(): Response {
  const headers = new Headers({ Location: SIMULATED_OIDC_BASE });
  headers.append('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
  return new Response(null, { status: 303, headers });
}
