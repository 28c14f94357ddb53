import { OAuthError } from '@cloudflare/workers-oauth-provider';
import { AUTH_OPTIONS } from '../../catalogue';
import { sha256Base64url } from '../../jwt/base64url';
import { JwtError, type JwtClaims } from '../../jwt/jwt';
import { streamableMcpEndpoint } from '../../mcp/endpoints';
import { z } from 'zod';
import { define, failure, result, TOOLS } from '../../mcp/tools';
import type { GrantProps } from '../../grant-props';
import { SCOPES } from '../../scopes';
import { discover, verifyAccessToken } from '../../upstream/oidc';
import { externalIssuerSettings } from '../../upstream/providers';
import { UpstreamError } from '../../upstream/upstream-error';
import { memo } from '../memo';
import type { AuthOption } from '../../auth-option';

/**
 * Option 3b: your provider as a separate authorization server. This Worker is only a resource
 * server here: its protected resource metadata names the provider's issuer, MCP clients register,
 * sign in and get tokens there, and every request's JWT access token is checked here against the
 * provider's published keys (RFC 9068): signature, `typ: at+jwt`, iss, aud = this resource, exp;
 * then scope, per tool (403 insufficient_scope to step up). Nothing is stored: no grant, no session.
 */
const entry = AUTH_OPTIONS['oidc-external'];
const MAX_TOKEN_LENGTH = 8192;

/** Not a grant: what the provider's verified JWT access token says, built for each request. */
export interface ExternalTokenProps extends GrantProps {
  signedInWith: typeof entry.id;
  token: {
    issuer: string;
    subject: string;
    audience: string | string[];
    scope: string[];
    clientId?: string;
    issuedAt?: number;
    expiresAt?: number;
    keyId?: string;
  };
}

export const tokenClaims = define({
  name: entry.ownTool.name,
  title: 'What the access token says',
  description:
    'Shows the claims this server verified in your access token from the external authorization server (never the token itself). Needs the mcp:read scope.',
  input: {},
  output: {
    issuer: z.string().describe('Who issued the token (iss)'),
    subject: z.string().describe('Who the token is about (sub)'),
    audience: z.union([z.string(), z.array(z.string())]).describe('The resources the token is for (aud): this endpoint'),
    scope: z.array(z.string()).describe('The scopes the token grants'),
    clientId: z.string().optional().describe('The client the token was issued to (client_id or azp)'),
    issuedAt: z.number().optional().describe('When it was issued (iat, seconds since the epoch)'),
    expiresAt: z.number().optional().describe('When it expires (exp, seconds since the epoch)'),
    keyId: z.string().optional().describe('The signing key the token named (kid)'),
  },
  // The token was checked before the tool runs (keys fetched there); the tool itself reaches nothing else.
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScopes: [SCOPES.read],
  async run(_args, { props }) {
    if (props.signedInWith !== entry.id) return failure('This request did not come with an external token.');
    const claims = { ...(props as ExternalTokenProps).token };
    return result(claims);
  },
});

/** `scope` (RFC 9068: space-separated), or `scp` as some providers write it (a list or a string). */
function scopesOf(claims: JwtClaims): string[] {
  const value = claims.scope ?? claims.scp;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope));
}

const unavailable = () =>
  new OAuthError('temporarily_unavailable', {
    description: 'The authorization server could not be reached to check this token.',
    statusCode: 503,
    headers: { 'Retry-After': '30' },
  });

export const oidcExternalOption: AuthOption = {
  id: entry.id,
  entry,
  endpoints: memo(
    (context) => {
      const path = entry.endpoints['streamable-http'];
      const settings = externalIssuerSettings(context, context.origin + path);
      const endpoint = streamableMcpEndpoint({
        origin: context.origin,
        path,
        resourceName: entry.title,
        authorizationServers: [settings.issuer],
        validateToken: (currentEnv) => async (resourceUrl, token) => {
          if (token.length > MAX_TOKEN_LENGTH) return null;
          const current = externalIssuerSettings({ env: currentEnv, origin: context.origin, simulated: context.simulated }, resourceUrl);
          // #region external-token-check
          let claims: JwtClaims;
          let keyId: string | undefined;
          try {
            const metadata = await discover(current.name, current.issuer);
            ({ claims, keyId } = await verifyAccessToken(metadata, token, { audience: current.audience, allowUntyped: current.allowUntypedAccessTokens }));
          } catch (error) {
            if (error instanceof JwtError) {
              console.warn(`external token refused: ${error.reason}`);
              return null; // 401 with the challenge: the client gets a new token from the provider
            }
            if (error instanceof UpstreamError) {
              console.warn(`external token not checked: ${error.message}`);
              throw unavailable();
            }
            throw error;
          }
          // #endregion external-token-check
          const subject = String(claims.sub);
          const userId = `external_${(await sha256Base64url(`${current.issuer} ${subject}`)).slice(0, 22)}`;
          const named = [claims.preferred_username, claims.name, claims.email].find((value) => typeof value === 'string' && value.trim());
          const clientId = [claims.client_id, claims.azp].find((value) => typeof value === 'string') as string | undefined;
          const scope = scopesOf(claims);
          const props: ExternalTokenProps = {
            signedInWith: entry.id,
            userId,
            userName: String(named ?? subject).slice(0, 64),
            token: {
              issuer: current.issuer,
              subject,
              audience: claims.aud ?? [],
              scope,
              ...(clientId && { clientId }),
              ...(typeof claims.iat === 'number' && { issuedAt: claims.iat }),
              ...(typeof claims.exp === 'number' && { expiresAt: claims.exp }),
              ...(keyId && { keyId }),
            },
          };
          return { props, audience: resourceUrl, expiresAt: claims.exp, scope, userId, ...(clientId && { clientId }) };
        },
        tools: [...TOOLS, tokenClaims],
      });
      return new Map([[path, endpoint]]);
    },
    ({ env }) => `${env.OIDC_ISSUER ?? ''}`,
  ),
  async provider(context) {
    const { name, simulated, issuer } = externalIssuerSettings(context, context.origin + entry.endpoints['streamable-http']);
    return { name, simulated, issuer };
  },
};
