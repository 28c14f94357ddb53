import { randomBytes } from 'node:crypto';
import { auth, type OAuthClientProvider, type OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { fetchFrom, newClientAddress } from './client-address.ts';
import { authorizeAsUser, CookieJar, type HeadlessUserOptions } from './headless-user.ts';

/**
 * An OAuth client for the real MCP SDK clients (1.32 and v2 take the same provider shape), kept in
 * memory, with a user who answers the sign-in and consent pages (headless-user.ts).
 *
 * It does what the SDKs leave to the application: `state` is random per request and must come back
 * unchanged, and the callback's `iss` (RFC 9207) must equal the issuer, checked before the code is
 * used. The 1.32 SDK checks neither; v2 checks `iss` when given the whole callback.
 */
/** A loopback redirect URI. Nothing listens there: the headless user stops at the redirect to it. */
export const CALLBACK_URL = 'http://127.0.0.1:8976/oauth/callback';

export class CallbackRejected extends Error {}

export class LabOAuthClient implements OAuthClientProvider {
  private client?: OAuthClientInformationMixed;
  private storedTokens?: OAuthTokens;
  private verifier?: string;
  private discovery?: OAuthDiscoveryState;
  private sentState?: string;
  /** Set by the SDK when it wants the user sent to the authorization endpoint. */
  pendingAuthorization?: URL;
  /** The browser's cookies: after the first sign-in, the server remembers the user. */
  readonly jar = new CookieJar();

  /** The authorization server's issuer: the lab's origin. */
  readonly issuer: string;
  private readonly user: HeadlessUserOptions;
  private readonly name: string;

  constructor(issuer: string, user: HeadlessUserOptions = {}, name = 'MCP Auth Lab interop test') {
    this.issuer = issuer;
    this.user = user;
    this.name = name;
  }

  get redirectUrl() {
    return CALLBACK_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [CALLBACK_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this.sentState = randomBytes(16).toString('base64url');
    return this.sentState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(client: OAuthClientInformationMixed) {
    this.client = client;
  }
  tokens() {
    return this.storedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.storedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.pendingAuthorization = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no PKCE code verifier saved');
    return this.verifier;
  }
  // Kept with the verifier so the v2 SDK can check, at the callback, that the code goes back to the
  // authorization server the flow started with (SEP-2352).
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.storedTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  get clientId(): string {
    if (!this.client) throw new Error('the client has not registered yet');
    return this.client.client_id;
  }
  get accessToken(): string {
    if (!this.storedTokens) throw new Error('no tokens yet');
    return this.storedTokens.access_token;
  }
  /** Replaces the stored tokens, e.g. to drop the refresh token or corrupt the access token. */
  setTokens(tokens: OAuthTokens | undefined) {
    this.storedTokens = tokens;
  }

  /**
   * The user follows the pending authorization URL and answers the pages; returns the callback
   * URL after checking it as a careful client does (`receiveCallback`).
   */
  async authorize(options: HeadlessUserOptions = {}): Promise<URL> {
    const url = this.pendingAuthorization;
    if (!url) throw new Error('the SDK did not ask for authorization (no redirectToAuthorization call)');
    this.pendingAuthorization = undefined;
    const outcome = await authorizeAsUser(url, this.jar, { ...this.user, ...options });
    if (!outcome.location) {
      throw new Error(`authorization ended on a page, not at the client: HTTP ${outcome.page?.status}\n${outcome.page?.body.slice(0, 500)}`);
    }
    return this.receiveCallback(new URL(outcome.location));
  }

  /** Checks a callback before anything in it is used: where it landed, `state`, then `iss`. */
  receiveCallback(callback: URL): URL {
    if (callback.origin + callback.pathname !== CALLBACK_URL) throw new CallbackRejected(`callback at an unexpected address: ${callback.href}`);
    const state = callback.searchParams.getAll('state');
    if (!this.sentState || state.length !== 1 || state[0] !== this.sentState) {
      throw new CallbackRejected(`state mismatch: sent ${this.sentState}, got ${state.join(',') || '(none)'}`);
    }
    this.sentState = undefined; // single use
    const iss = callback.searchParams.getAll('iss');
    if (iss.length !== 1 || iss[0] !== this.issuer) {
      throw new CallbackRejected(`iss mismatch (RFC 9207): expected ${this.issuer}, got ${iss.join(',') || '(none)'}`);
    }
    return callback;
  }

  /** The code from a checked callback; an OAuth error in the callback becomes an exception. */
  static codeFrom(callback: URL): string {
    const error = callback.searchParams.get('error');
    if (error) throw new CallbackRejected(`authorization failed: ${error}`);
    const code = callback.searchParams.get('code');
    if (!code) throw new CallbackRejected('callback without a code');
    return code;
  }
}

/**
 * A fresh client gets an access token for one MCP endpoint without an MCP connection: the SDK's
 * own `auth()` does discovery (RFC 9728, RFC 8414), registration (RFC 7591), PKCE and the token
 * request, and the headless user approves. For tools that only need a bearer token.
 */
export async function obtainAccessToken(
  endpoint: string,
  options: { scope?: string; user?: HeadlessUserOptions; clientName?: string } = {},
): Promise<{ accessToken: string; client: LabOAuthClient }> {
  const client = new LabOAuthClient(new URL(endpoint).origin, options.user, options.clientName);
  // Each app at an address of its own: the Worker counts registrations per address, and a run
  // that obtains many tokens at once (the benchmark's load clients) is not one user registering.
  const fetchFn = fetchFrom(newClientAddress());
  const start = await auth(client, { serverUrl: endpoint, scope: options.scope, fetchFn });
  if (start !== 'REDIRECT') throw new Error(`expected the SDK to start an authorization, got ${start}`);
  const callback = await client.authorize();
  const finish = await auth(client, { serverUrl: endpoint, authorizationCode: LabOAuthClient.codeFrom(callback), scope: options.scope, fetchFn });
  if (finish !== 'AUTHORIZED') throw new Error(`token request did not complete: ${finish}`);
  return { accessToken: client.accessToken, client };
}
