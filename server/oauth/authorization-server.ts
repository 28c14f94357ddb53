import { OAuthAuthorizationServer } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import { FAILURE_PARAMETER, type FailureCode } from '../failure-codes';
import { AUTHORIZE_BASE, OAUTH_BASE } from '../routes';
import { SUPPORTED_SCOPES } from '../scopes';

/**
 * This Worker as the MCP authorization server, for the options whose tokens it issues. The library
 * serves RFC 8414 metadata, the token endpoint (PKCE S256 only, rotating refresh tokens, RFC 8707
 * audiences, RFC 7009 revocation), dynamic client registration (RFC 7591) and Client ID Metadata
 * Documents. The interactive part, /authorize (sign-in and consent), is ours: oauth/authorize.ts.
 */
export const AUTHORIZE_PATH = AUTHORIZE_BASE;
export const TOKEN_PATH = `${OAUTH_BASE}/token`;
export const REGISTER_PATH = `${OAUTH_BASE}/register`;

/**
 * How long what the library stores in KV lives (server/STORAGE.md), set here rather than left to
 * the library's defaults so an upgrade cannot change them unnoticed: an access token's record; a
 * grant once its code is exchanged, and its refresh token; a dynamically registered client, renewed
 * while it is used. Nothing the library writes for a learner outlives these.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
export const CLIENT_REGISTRATION_TTL_SECONDS = 90 * 24 * 60 * 60;

/** The library's reasons (its `internal.reason`) that the token endpoint names with a failure code. */
const FAILURES_ON_THE_WIRE: Partial<Record<string, FailureCode>> = {
  code_verifier_mismatch: 'pkce-verifier-mismatch',
  code_replayed: 'code-replayed',
};

const servers = new Map<string, OAuthAuthorizationServer<ServerEnv>>();

/**
 * One authorization server per public origin (the issuer must equal the origin exactly), issuing
 * tokens for `resources` (each MCP endpoint whose tokens come from here: its own audience). The
 * first is the default for clients that name no resource.
 */
export function authorizationServerFor(origin: string, resources: readonly string[]): OAuthAuthorizationServer<ServerEnv> {
  const key = `${origin} ${resources.join(' ')}`;
  let server = servers.get(key);
  if (!server) {
    // #region authorization-server
    server = new OAuthAuthorizationServer<ServerEnv>({
      issuer: origin,
      resources: [...resources],
      ...(resources.length > 0 && { defaultResource: resources[0] }),
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      clientRegistrationEndpoint: REGISTER_PATH,
      clientIdMetadataDocumentEnabled: true,
      scopesSupported: SUPPORTED_SCOPES,
      accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTTL: REFRESH_TOKEN_TTL_SECONDS,
      clientRegistrationTTL: CLIENT_REGISTRATION_TTL_SECONDS,
      onError({ code, description, status, headers, internal }) {
        // The specific failed check goes to the logs only; on the wire, a failure code only where
        // the description already says as much (server/failure-codes.ts).
        console.warn(`oauth ${status} ${code}: ${internal.category}/${internal.reason}`);
        const failure = FAILURES_ON_THE_WIRE[internal.reason];
        if (!failure) return;
        return Response.json({ error: code, error_description: description, [FAILURE_PARAMETER]: failure }, { status, headers });
      },
    });
    // #endregion authorization-server
    servers.set(key, server);
  }
  return server;
}
