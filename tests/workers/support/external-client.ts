import { CookieJar } from '../../support/headless-user';
import { actAsUser, CALLBACK, callbackParams, pkce } from './oauth-client';
import { callWorker, ORIGIN, postForm, postJson } from './worker';

/**
 * An MCP client of option 3b, by hand: it registers at the external authorization server (the
 * Simulated OIDC provider), authorizes there for /external/mcp, and gets that server's JWT access
 * token. This Worker is only the resource server.
 */
export const PROVIDER = `${ORIGIN}/simulated/oidc`;
export const EXTERNAL_RESOURCE = `${ORIGIN}/external/mcp`;

export async function registerAtProvider(metadata: Record<string, unknown> = {}) {
  const response = await postJson('/simulated/oidc/register', {
    client_name: 'Workers test client (3b)',
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    ...metadata,
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { client_id: string; client_secret?: string; redirect_uris: string[] };
}

export async function providerAuthorizationUrl(clientId: string, options: { scope?: string; resource?: string | null; state?: string; nonce?: string } = {}) {
  const { verifier, challenge } = await pkce();
  const url = new URL('/simulated/oidc/authorize', ORIGIN);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: options.scope ?? 'mcp:read',
    state: options.state ?? crypto.randomUUID(),
  };
  if (options.resource !== null) params.resource = options.resource ?? EXTERNAL_RESOURCE;
  if (options.nonce) params.nonce = options.nonce;
  url.search = new URLSearchParams(params).toString();
  return { url, verifier, state: params.state };
}

export function providerToken(clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) {
  return postForm('/simulated/oidc/token', {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: clientId,
    redirect_uri: CALLBACK,
    resource: EXTERNAL_RESOURCE,
    ...extra,
  });
}

/** Register, sign in at the provider (the headless user answers its page), exchange the code. */
export async function externalToken(options: { scope?: string; jar?: CookieJar; failure?: string; login?: string; clientId?: string } = {}) {
  const clientId = options.clientId ?? (await registerAtProvider()).client_id;
  const { url, verifier, state } = await providerAuthorizationUrl(clientId, { scope: options.scope });
  const jar = options.jar ?? new CookieJar();
  const params = callbackParams(await actAsUser(url, jar, { provider: { failure: options.failure, login: options.login } }));
  if (params.get('state') !== state) throw new Error('state mismatch');
  const response = await providerToken(clientId, params.get('code')!, verifier);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  const tokens = (await response.json()) as { access_token: string; token_type: string; expires_in: number; scope: string; id_token?: string };
  return { clientId, jar, params, tokens };
}

export const getWorker = callWorker;
