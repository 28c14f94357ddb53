import { ConfigurationError, isLoopbackHost } from '../config';
import { simulatedProvider, type ServerContext } from '../context';
import type { ServerEnv } from '../env';

/**
 * Which provider each option talks to: the real one when configured, otherwise the simulated one
 * this Worker serves itself, if it serves one (a server built without simulated providers needs
 * the settings). Either way the Worker reaches it over HTTP.
 */
/** An issuer URL as OpenID Connect Discovery requires it: https (http only on loopback), no query or fragment. */
function configuredIssuer(env: ServerEnv): string | undefined {
  const value = env.OIDC_ISSUER?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError('OIDC_ISSUER is not a URL (expected e.g. https://your-tenant.us.auth0.com/).');
  }
  if (url.search || url.hash || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
    throw new ConfigurationError('OIDC_ISSUER must be an https URL without query or fragment.');
  }
  // Kept exactly as configured: the discovery document must name the same string (trailing slash included).
  return value;
}

export interface OidcProxySettings {
  name: string;
  simulated: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** Option 3a: the provider that signs users in, and this Worker's confidential client there. */
export async function oidcProxySettings(context: ServerContext): Promise<OidcProxySettings> {
  const { env } = context;
  const scopes = (env.OIDC_SCOPES?.trim() || 'openid profile email').split(/\s+/);
  if (!scopes.includes('openid')) throw new ConfigurationError('OIDC_SCOPES must include openid.');
  const issuer = configuredIssuer(env);
  if (issuer) {
    const clientId = env.OIDC_CLIENT_ID?.trim();
    const clientSecret = env.OIDC_CLIENT_SECRET?.trim();
    if (!clientId || !clientSecret) throw new ConfigurationError('With OIDC_ISSUER set, option 3a needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.');
    return { name: new URL(issuer).host, simulated: false, issuer, clientId, clientSecret, scopes };
  }
  const simulated = simulatedProvider(context, 'oidc');
  if (!simulated) throw new ConfigurationError('Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: your OpenID provider and this server\'s client there.');
  return { name: simulated.name, simulated: true, issuer: simulated.issuer(context.origin), ...(await simulated.proxyClient(context)), scopes };
}

export interface ExternalIssuerSettings {
  name: string;
  simulated: boolean;
  issuer: string;
  /** The `aud` the issuer's access tokens carry for this resource. */
  audience: string;
  /** Accept `typ: JWT` access tokens too (providers that do not use RFC 9068's `at+jwt`). */
  allowUntypedAccessTokens: boolean;
}

/** Option 3b: the authorization server whose JWT access tokens /external/mcp accepts. */
export function externalIssuerSettings(context: Pick<ServerContext, 'env' | 'origin' | 'simulated'>, resource: string): ExternalIssuerSettings {
  const { env } = context;
  const issuer = configuredIssuer(env);
  if (issuer) {
    return {
      name: new URL(issuer).host,
      simulated: false,
      issuer,
      audience: env.OIDC_AUDIENCE?.trim() || resource,
      allowUntypedAccessTokens: env.OIDC_ALLOW_UNTYPED_ACCESS_TOKENS?.trim() === 'true',
    };
  }
  const simulated = simulatedProvider(context, 'oidc');
  if (!simulated) throw new ConfigurationError('Set OIDC_ISSUER: the authorization server whose access tokens this server accepts.');
  return { name: simulated.name, simulated: true, issuer: simulated.issuer(context.origin), audience: resource, allowUntypedAccessTokens: false };
}
