import { ConfigurationError, isLoopbackHost, labSecret } from '../config';
import type { ServerEnv } from '../env';
import { SIMULATED_GITHUB, SIMULATED_GITHUB_CLIENT_ID, simulatedGithubClientSecret } from '../simulated/github';
import { PROXY_CLIENT_ID, proxyClientSecret } from '../simulated/oidc/clients';
import { simulatedOidcIssuer } from '../simulated/oidc/provider';

/**
 * Which provider each option talks to: the real one when configured, otherwise the simulated one
 * this Worker serves itself. Either way the Worker reaches it over HTTP with the global fetch.
 */
export interface GithubSettings {
  /** How pages name it: "GitHub" or "Simulated GitHub". */
  name: string;
  simulated: boolean;
  authorizeUrl: string;
  tokenUrl: string;
  userUrl: string;
  clientId: string;
  clientSecret: string;
}

export async function githubSettings(env: ServerEnv, origin: string): Promise<GithubSettings> {
  const clientId = env.GITHUB_CLIENT_ID?.trim();
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim();
  if (clientId && clientSecret) {
    return {
      name: 'GitHub',
      simulated: false,
      authorizeUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      userUrl: 'https://api.github.com/user',
      clientId,
      clientSecret,
    };
  }
  if (clientId || clientSecret) {
    throw new ConfigurationError('Set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (a GitHub OAuth app), or neither to use the Simulated GitHub.');
  }
  return {
    name: 'Simulated GitHub',
    simulated: true,
    authorizeUrl: origin + SIMULATED_GITHUB.authorize,
    tokenUrl: origin + SIMULATED_GITHUB.token,
    userUrl: origin + SIMULATED_GITHUB.user,
    clientId: SIMULATED_GITHUB_CLIENT_ID,
    clientSecret: await simulatedGithubClientSecret(labSecret(env, origin)),
  };
}

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
export async function oidcProxySettings(env: ServerEnv, origin: string): Promise<OidcProxySettings> {
  const scopes = (env.OIDC_SCOPES?.trim() || 'openid profile email').split(/\s+/);
  if (!scopes.includes('openid')) throw new ConfigurationError('OIDC_SCOPES must include openid.');
  const issuer = configuredIssuer(env);
  if (issuer) {
    const clientId = env.OIDC_CLIENT_ID?.trim();
    const clientSecret = env.OIDC_CLIENT_SECRET?.trim();
    if (!clientId || !clientSecret) throw new ConfigurationError('With OIDC_ISSUER set, option 3a needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.');
    return { name: new URL(issuer).host, simulated: false, issuer, clientId, clientSecret, scopes };
  }
  return {
    name: 'Simulated OIDC provider',
    simulated: true,
    issuer: simulatedOidcIssuer(origin),
    clientId: PROXY_CLIENT_ID,
    clientSecret: await proxyClientSecret(labSecret(env, origin)),
    scopes,
  };
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
export function externalIssuerSettings(env: ServerEnv, origin: string, resource: string): ExternalIssuerSettings {
  const issuer = configuredIssuer(env);
  return {
    name: issuer ? new URL(issuer).host : 'Simulated OIDC provider',
    simulated: !issuer,
    issuer: issuer ?? simulatedOidcIssuer(origin),
    audience: (issuer && env.OIDC_AUDIENCE?.trim()) || resource,
    allowUntypedAccessTokens: Boolean(issuer) && env.OIDC_ALLOW_UNTYPED_ACCESS_TOKENS?.trim() === 'true',
  };
}
