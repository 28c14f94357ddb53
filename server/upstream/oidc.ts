import { isLoopbackHost } from '../config';
import { JwtError, remoteKeys, verifyJwt, type ClaimRules, type JwtClaims, type KeySet } from '../jwt/jwt';
import type { OidcProxySettings } from './providers';
import { callProvider, jsonObject, UpstreamError } from './upstream-error';

/**
 * This Worker as a client of an OpenID provider (OpenID Connect Core 1.0, Discovery 1.0), and as a
 * resource server checking that provider's JWT access tokens (RFC 9068). Discovery documents and
 * key sets are cached per isolate; every fetch of them is a real call to the provider.
 */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
}

const DISCOVERY_MAX_AGE_MS = 5 * 60_000;
const discovered = new Map<string, { metadata: ProviderMetadata; fetchedAt: number }>();

const endpointOk = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
};

/** OpenID Connect Discovery §4: fetch, then insist the document names exactly the issuer asked for. */
export async function discover(name: string, issuer: string): Promise<ProviderMetadata> {
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.fetchedAt < DISCOVERY_MAX_AGE_MS) return cached.metadata;
  const response = await callProvider(name, `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
  const document = await jsonObject(name, response, 'discovery');
  if (!response.ok) throw new UpstreamError('server_error', `${name} has no discovery document.`, `discovery: HTTP ${response.status}`);
  if (document.issuer !== issuer) {
    throw new UpstreamError('server_error', `${name} is not configured as expected.`, `discovery names issuer ${JSON.stringify(document.issuer).slice(0, 200)}, expected ${issuer}`);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (!endpointOk(document[field])) throw new UpstreamError('server_error', `${name} is not configured as expected.`, `discovery: ${field} missing or not https`);
  }
  const metadata: ProviderMetadata = {
    issuer,
    authorization_endpoint: document.authorization_endpoint as string,
    token_endpoint: document.token_endpoint as string,
    jwks_uri: document.jwks_uri as string,
    ...(endpointOk(document.userinfo_endpoint) && { userinfo_endpoint: document.userinfo_endpoint }),
    ...(Array.isArray(document.token_endpoint_auth_methods_supported) && { token_endpoint_auth_methods_supported: document.token_endpoint_auth_methods_supported.map(String) }),
    authorization_response_iss_parameter_supported: document.authorization_response_iss_parameter_supported === true,
  };
  discovered.set(issuer, { metadata, fetchedAt: Date.now() });
  return metadata;
}

/**
 * A provider's published keys (server/jwt/jwt.ts: cached, refetched once on an unknown kid, at
 * most every 30 seconds), fetched like every other call to the provider.
 */
export const providerKeys = (jwksUri: string): KeySet =>
  remoteKeys(jwksUri, async (uri) => {
    const response = await callProvider('The identity provider', uri, { headers: { Accept: 'application/json' } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamError('server_error', 'The identity provider publishes no keys.', `JWKS: HTTP ${response.status}`);
    }
    return response;
  });

export function oidcAuthorizationUrl(
  metadata: ProviderMetadata,
  settings: OidcProxySettings,
  input: { state: string; codeChallenge: string; nonce: string; redirectUri: string },
): string {
  const url = new URL(metadata.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: input.redirectUri,
    scope: settings.scopes.join(' '),
    state: input.state,
    nonce: input.nonce,
    code_challenge: input.codeChallenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value);
  }
  return url.href;
}

/**
 * RFC 9207 at the callback: a provider that says it sends `iss` must send its own; one that does
 * not say so may still send it, and then it must match too (a mix-up defence).
 */
export function checkCallbackIssuer(metadata: ProviderMetadata, params: URLSearchParams, name: string): void {
  const iss = params.get('iss');
  if (iss === null && !metadata.authorization_response_iss_parameter_supported) return;
  if (iss !== metadata.issuer) throw new UpstreamError('server_error', `The answer did not come from ${name}.`, `callback iss ${JSON.stringify(iss)}`);
}

export interface OidcTokens {
  idToken: string;
  accessToken?: string;
}

export async function exchangeOidcCode(
  metadata: ProviderMetadata,
  settings: OidcProxySettings,
  input: { code: string; verifier: string; redirectUri: string },
): Promise<OidcTokens> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.verifier });
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' };
  // client_secret_basic is the default (RFC 8414 §2); use _post only where the provider offers just that.
  const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (methods.includes('client_secret_basic')) {
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    headers.Authorization = `Basic ${btoa(`${encode(settings.clientId)}:${encode(settings.clientSecret)}`)}`;
  } else {
    form.set('client_id', settings.clientId);
    form.set('client_secret', settings.clientSecret);
  }
  const response = await callProvider(settings.name, metadata.token_endpoint, { method: 'POST', headers, body: form });
  const body = await jsonObject(settings.name, response, 'token endpoint');
  if (!response.ok) {
    const code = typeof body.error === 'string' ? body.error.slice(0, 64) : `HTTP ${response.status}`;
    throw new UpstreamError('server_error', `${settings.name} refused the sign-in (${code}).`, `token endpoint: HTTP ${response.status} ${code}`, 'provider-refused-code');
  }
  if (typeof body.id_token !== 'string') throw new UpstreamError('server_error', `${settings.name} sent no ID token.`, 'token endpoint: no id_token');
  return { idToken: body.id_token, ...(typeof body.access_token === 'string' && { accessToken: body.access_token }) };
}

async function verified(token: string, jwksUri: string, rules: ClaimRules): Promise<JwtClaims> {
  return (await verifyJwt(token, providerKeys(jwksUri), rules)).claims;
}

/** OpenID Connect Core §3.1.3.7: signature against the provider's keys, then iss, aud, azp, exp, nonce. */
// #region id-token-check
export async function verifyIdToken(metadata: ProviderMetadata, settings: OidcProxySettings, idToken: string, nonce: string): Promise<JwtClaims> {
  try {
    return await verified(idToken, metadata.jwks_uri, {
      issuer: metadata.issuer,
      audience: settings.clientId,
      authorizedParty: settings.clientId,
      nonce,
    });
  } catch (error) {
    if (error instanceof JwtError) throw new UpstreamError('server_error', `The ID token from ${settings.name} could not be verified.`, `id_token ${error.message}`, 'id-token-rejected');
    throw error;
  }
}
// #endregion id-token-check

/** RFC 9068 §4: an access token issued by `issuer` for `audience`. Throws JwtError for an invalid one. */
export async function verifyAccessToken(
  metadata: ProviderMetadata,
  token: string,
  expected: { audience: string; allowUntyped: boolean },
): Promise<{ claims: JwtClaims; keyId?: string }> {
  const { header, claims } = await verifyJwt(token, providerKeys(metadata.jwks_uri), {
    issuer: metadata.issuer,
    audience: expected.audience,
    types: expected.allowUntyped ? ['at+jwt', 'jwt'] : ['at+jwt'],
  });
  return { claims, ...(typeof header.kid === 'string' && { keyId: header.kid }) };
}

/** The userinfo endpoint, with the access token the provider gave this Worker. */
export async function fetchUserinfo(name: string, metadata: ProviderMetadata, accessToken: string): Promise<Record<string, unknown>> {
  if (!metadata.userinfo_endpoint) throw new UpstreamError('server_error', `${name} has no userinfo endpoint.`, 'no userinfo_endpoint');
  const response = await callProvider(name, metadata.userinfo_endpoint, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } });
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new UpstreamError('access_denied', `${name} no longer accepts this sign-in.`, `userinfo: HTTP ${response.status}`);
  }
  const body = await jsonObject(name, response, 'userinfo');
  if (!response.ok) throw new UpstreamError('server_error', `${name} did not answer userinfo.`, `userinfo: HTTP ${response.status}`);
  return body;
}
