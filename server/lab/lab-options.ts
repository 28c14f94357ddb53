import { ConfigurationError } from '../config';
import type { ServerEnv } from '../env';
import { MCP_PATHS } from '../oauth/authorization-server';
import { EXTERNAL_MCP_PATH } from '../options/external';
import { externalIssuerSettings, githubSettings, oidcProxySettings } from '../upstream/providers';

/**
 * What the lab page needs to know about the providers behind the auth options, so it can say
 * whether a run goes to a simulated provider (part of the lab) or a real one: for each MCP
 * endpoint with a provider, its name, whether it is simulated, and the OpenID issuer. Never a
 * client ID or secret. A half-configured provider is reported with the configuration problem
 * (the same sentence its 503 page shows), so the page can explain why that option fails.
 */
export interface ProviderInfo {
  /** The MCP endpoint, e.g. `/github/mcp`. */
  endpoint: string;
  /** How pages name it: "Simulated GitHub", "GitHub", "tenant.us.auth0.com". */
  name: string | null;
  simulated: boolean;
  /** The OpenID issuer (options 3a and 3b). */
  issuer?: string;
  /** Set when the option cannot run as configured. */
  problem?: string;
}

export async function providerInfo(env: ServerEnv, origin: string): Promise<ProviderInfo[]> {
  const described = async (endpoint: string, settings: () => Promise<{ name: string; simulated: boolean; issuer?: string }>): Promise<ProviderInfo> => {
    try {
      const { name, simulated, issuer } = await settings();
      return { endpoint, name, simulated, ...(issuer !== undefined && { issuer }) };
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return { endpoint, name: null, simulated: false, problem: error.message };
    }
  };
  return Promise.all([
    described(MCP_PATHS.github, () => githubSettings(env, origin)),
    described(MCP_PATHS.oidc, () => oidcProxySettings(env, origin)),
    described(EXTERNAL_MCP_PATH, async () => externalIssuerSettings(env, origin, origin + EXTERNAL_MCP_PATH)),
  ]);
}
