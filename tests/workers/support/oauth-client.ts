import { authorizeAsUser, CookieJar, type HeadlessUserOptions } from '../../support/headless-user';
import { MCP_RESOURCE, ORIGIN, postForm, postJson, workerFetch } from './worker';

/**
 * A tiny OAuth 2.1 public client, written out by hand so each test can step off the happy path
 * anywhere: dynamic client registration, PKCE S256, the authorization request, the lab's sign-in
 * and consent pages (walked by tests/support/headless-user.ts), and the token endpoint.
 */
export const CALLBACK = 'http://127.0.0.1:33418/callback';

export interface Client {
  clientId: string;
  redirectUri: string;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
  resource?: string;
}

export async function registerClient(metadata: Record<string, unknown> = {}): Promise<Client> {
  const response = await postJson('/oauth/register', {
    client_name: 'Workers test client',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...metadata,
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const registered = (await response.json()) as { client_id: string; redirect_uris: string[] };
  return { clientId: registered.client_id, redirectUri: registered.redirect_uris[0] };
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return { verifier, challenge };
}

export interface AuthorizationRequest {
  client: Client;
  challenge: string;
  scope?: string;
  resource?: string;
  state?: string;
}

export function authorizationUrl({ client, challenge, scope = 'mcp:read', resource = MCP_RESOURCE, state = 'state-123' }: AuthorizationRequest): URL {
  const url = new URL('/authorize', ORIGIN);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope,
    resource,
    state,
  }).toString();
  return url;
}

/** A browser (its own cookie jar) signing in and answering the consent page. */
export function actAsUser(url: URL, jar: CookieJar, options: Omit<HeadlessUserOptions, 'fetch'> = {}) {
  return authorizeAsUser(url, jar, { ...options, fetch: workerFetch });
}

/** The query of the client's callback URL, or a clear failure when the flow ended elsewhere. */
export function callbackParams(outcome: { location: string | null; page?: { status: number; body: string } }): URLSearchParams {
  if (!outcome.location?.startsWith(CALLBACK)) {
    throw new Error(`expected a redirect to the client, got ${outcome.location ?? `page ${outcome.page?.status}: ${outcome.page?.body.slice(0, 300)}`}`);
  }
  return new URL(outcome.location).searchParams;
}

export function tokenRequest(params: Record<string, string>): Promise<Response> {
  return postForm('/oauth/token', params);
}

export function exchangeCode(client: Client, code: string, verifier: string, resource = MCP_RESOURCE): Promise<Response> {
  return tokenRequest({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    resource,
  });
}

export function refresh(client: Client, refreshToken: string, resource = MCP_RESOURCE): Promise<Response> {
  return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, resource });
}

export async function tokensFrom(response: Response): Promise<Tokens> {
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Tokens;
}

export interface AuthorizeOptions extends Omit<HeadlessUserOptions, 'fetch'> {
  client?: Client;
  jar?: CookieJar;
  scope?: string;
  resource?: string;
}

/** The whole flow, for tests about what comes after it: returns the client, its tokens, the browser. */
export async function authorize(options: AuthorizeOptions = {}) {
  const client = options.client ?? (await registerClient());
  const jar = options.jar ?? new CookieJar();
  const { verifier, challenge } = await pkce();
  const state = crypto.randomUUID();
  const url = authorizationUrl({ client, challenge, scope: options.scope, resource: options.resource, state });
  const params = callbackParams(await actAsUser(url, jar, options));
  if (params.get('state') !== state) throw new Error(`state mismatch: ${params.get('state')}`);
  const tokens = await tokensFrom(await exchangeCode(client, params.get('code')!, verifier, options.resource));
  return { client, jar, tokens };
}

export { CookieJar };
