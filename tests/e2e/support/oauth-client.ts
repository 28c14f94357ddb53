import { createHash, randomBytes } from 'node:crypto';

/**
 * The client's side of the authorization code flow, minimal and explicit: register with DCR,
 * make PKCE and state, build the authorization URL, redeem the code.
 */
export const CALLBACK_PATH = '/e2e-callback';

export interface RegisteredClient {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
}

export async function registerClient(origin: string, clientName: string): Promise<RegisteredClient> {
  const response = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: clientName,
      redirect_uris: [`${origin}${CALLBACK_PATH}`],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  if (response.status !== 201) throw new Error(`registration failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as RegisteredClient;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
  redirectUri: string;
  resource: string;
}

export function authorizationRequest(origin: string, client: RegisteredClient, scope = 'mcp:read mcp:write'): AuthorizationRequest {
  const codeVerifier = base64url(randomBytes(32));
  const codeChallenge = base64url(createHash('sha256').update(codeVerifier).digest());
  const state = base64url(randomBytes(16));
  const redirectUri = client.redirect_uris[0];
  const resource = `${origin}/mcp`;
  const url = new URL('/authorize', origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    scope,
    resource,
  }).toString();
  return { url: url.href, state, codeVerifier, redirectUri, resource };
}

export async function redeemCode(origin: string, client: RegisteredClient, request: AuthorizationRequest, code: string) {
  const response = await fetch(`${origin}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: request.redirectUri,
      client_id: client.client_id,
      code_verifier: request.codeVerifier,
      resource: request.resource,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
