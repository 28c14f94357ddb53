import { AUTH_OPTION_ENTRIES } from '../../catalogue';
import { SERVER_INFO } from '../../server-info';
import { isLoopbackHost } from '../../config';
import { randomToken, sha256Base64url } from '../../jwt/base64url';
import { derivedSecret, sameSecret } from '../browser-state';

/**
 * The Simulated OIDC provider's clients:
 *   - the server's own, pre-registered (option 3a: the Worker signs users in here, as a confidential
 *     web application with a client secret derived from SERVER_SECRET);
 *   - MCP clients that register themselves (option 3b: RFC 7591 dynamic registration, as Auth0 or
 *     Stytch offer it), stored in KV under `simulated-oidc:client:<client_id>`.
 */
export const PROXY_CLIENT_ID = 'mcp-server-proxy';
/** The callback registered for that client: the Worker's, of the option that signs users in here (3a). */
const PROXY_CALLBACK_PATH = AUTH_OPTION_ENTRIES.find((entry) => entry.simulatedProvider === 'oidc' && entry.signIn?.callbackPath)?.signIn?.callbackPath ?? '/authorize/oidc/callback';
export const proxyClientSecret = (secret: string) => derivedSecret(secret, 'simulated-oidc/proxy-client-secret');

const CLIENT_SECONDS = 90 * 24 * 60 * 60;
const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];

export interface SimulatedClient {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  authMethod: AuthMethod;
  /** SHA-256 of the client secret, for confidential clients. */
  secretHash?: string;
  /** The server's own client: its page says it is first-party. */
  builtIn?: boolean;
}

const clientKey = (clientId: string) => `simulated-oidc:client:${clientId}`;

export async function lookupClient(kv: KVNamespace, origin: string, secret: string, clientId: string): Promise<SimulatedClient | null> {
  if (clientId === PROXY_CLIENT_ID) {
    return {
      clientId,
      clientName: `${SERVER_INFO.title} (the Worker as proxy)`,
      redirectUris: [origin + PROXY_CALLBACK_PATH],
      authMethod: 'client_secret_basic',
      secretHash: await sha256Base64url(await proxyClientSecret(secret)),
      builtIn: true,
    };
  }
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(clientId)) return null;
  return kv.get<SimulatedClient>(clientKey(clientId), 'json');
}

export class RegistrationError extends Error {}

/** RFC 7591 §2 and §3.2.1: validates the metadata, stores the client, returns the registration response. */
export async function registerClient(kv: KVNamespace, metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
  const redirectUris = metadata.redirect_uris;
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || redirectUris.length > 10) {
    throw new RegistrationError('redirect_uris must list 1 to 10 URIs.');
  }
  for (const uri of redirectUris) {
    let url: URL;
    try {
      url = new URL(String(uri));
    } catch {
      throw new RegistrationError(`Not a URL: ${String(uri).slice(0, 100)}`);
    }
    if (url.hash || String(uri).length > 2000) throw new RegistrationError('A redirect URI has no fragment and at most 2000 characters.');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new RegistrationError('Redirect URIs must use https, or http on a loopback address.');
    }
  }
  const authMethod = (metadata.token_endpoint_auth_method ?? 'client_secret_basic') as AuthMethod;
  if (!AUTH_METHODS.includes(authMethod)) throw new RegistrationError(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}.`);
  const grantTypes = (metadata.grant_types as unknown[] | undefined) ?? ['authorization_code'];
  if (!Array.isArray(grantTypes) || !grantTypes.includes('authorization_code')) throw new RegistrationError('grant_types must include authorization_code.');
  const clientName = typeof metadata.client_name === 'string' && metadata.client_name.trim() ? metadata.client_name.trim().slice(0, 100) : 'Unnamed client';
  const clientId = randomToken(18);
  const clientSecret = authMethod === 'none' ? undefined : randomToken(32);
  const client: SimulatedClient = {
    clientId,
    clientName,
    redirectUris: redirectUris.map(String),
    authMethod,
    ...(clientSecret && { secretHash: await sha256Base64url(clientSecret) }),
  };
  await kv.put(clientKey(clientId), JSON.stringify(client), { expirationTtl: CLIENT_SECONDS });
  return {
    client_id: clientId,
    ...(clientSecret && { client_secret: clientSecret, client_secret_expires_at: 0 }),
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_name: clientName,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: authMethod,
    // Only codes are issued; a refresh_token grant asked for is not granted (RFC 7591 §3.2.1).
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

/**
 * Client authentication at the token endpoint (RFC 6749 §2.3): the method the client registered,
 * and no other. Returns the authenticated client id, or null.
 */
export async function authenticateClient(
  request: Request,
  form: URLSearchParams,
  find: (clientId: string) => Promise<SimulatedClient | null>,
): Promise<SimulatedClient | null> {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.get('authorization') ?? '');
  let clientId = form.get('client_id');
  let presented: string | null = form.get('client_secret');
  let method: AuthMethod = presented === null ? 'none' : 'client_secret_post';
  if (basic) {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined with ':' and base64-encoded.
    let id: string;
    let secret: string;
    try {
      const decoded = atob(basic[1]);
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)].map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    } catch {
      return null;
    }
    if (clientId !== null && clientId !== id) return null;
    clientId = id;
    presented = secret;
    method = 'client_secret_basic';
  }
  if (!clientId) return null;
  const client = await find(clientId);
  if (!client) return null;
  if (client.authMethod === 'none') return method === 'none' ? client : null;
  // A confidential client may use either secret method (they carry the same secret).
  if (method === 'none' || presented === null || !client.secretHash) return null;
  return sameSecret(await sha256Base64url(presented), client.secretHash) ? client : null;
}
