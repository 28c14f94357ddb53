import { OAuthAuthorizationServer } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import { SUPPORTED_SCOPES } from '../scopes';

/**
 * This Worker as the MCP authorization server (options 1, 2 and 3a). The library serves RFC 8414
 * metadata, the token endpoint (PKCE S256 only, rotating refresh tokens, RFC 8707 audiences,
 * RFC 7009 revocation), dynamic client registration (RFC 7591) and Client ID Metadata Documents.
 * The interactive part, /authorize (sign-in and consent), is ours: oauth/authorize.ts.
 */
export const AUTHORIZE_PATH = '/authorize';
export const TOKEN_PATH = '/oauth/token';
export const REGISTER_PATH = '/oauth/register';

/**
 * The MCP endpoints whose tokens this authorization server issues; each is its own audience.
 * Option 1's two, where the lab signs the user in, and options 2 and 3a (server/options/), where
 * another provider does. Option 3b's /external/mcp is not here: it accepts another issuer's tokens.
 */
export const MCP_PATHS = { streamableHttp: '/mcp', sse: '/sse', github: '/github/mcp', oidc: '/oidc/mcp' } as const;

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

const servers = new Map<string, OAuthAuthorizationServer<ServerEnv>>();

/** One authorization server per public origin (the issuer must equal the origin exactly). */
export function authorizationServerFor(origin: string): OAuthAuthorizationServer<ServerEnv> {
  let server = servers.get(origin);
  if (!server) {
    server = new OAuthAuthorizationServer<ServerEnv>({
      issuer: origin,
      resources: Object.values(MCP_PATHS).map((path) => origin + path),
      // Clients that omit `resource` get the Streamable HTTP endpoint, the one new clients use.
      defaultResource: origin + MCP_PATHS.streamableHttp,
      authorizeEndpoint: AUTHORIZE_PATH,
      tokenEndpoint: TOKEN_PATH,
      clientRegistrationEndpoint: REGISTER_PATH,
      clientIdMetadataDocumentEnabled: true,
      scopesSupported: SUPPORTED_SCOPES,
      accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
      onError({ code, status, internal }) {
        // The wire answer stays generic; the specific failed check goes to the logs only.
        console.warn(`oauth ${status} ${code}: ${internal.category}/${internal.reason}`);
      },
    });
    servers.set(origin, server);
  }
  return server;
}
