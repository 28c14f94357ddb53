import { ConfigurationError } from '../config';
import type { ServerContext } from '../context';
import type { AuthOption } from '../auth-option';

/**
 * What the lab page needs to know about the providers behind the auth options, so it can say
 * whether a run goes to a simulated provider (part of the lab) or a real one: for each option with
 * a provider, its name, whether it is simulated, and the OpenID issuer. Never a client ID or
 * secret. A half-configured provider is reported with the configuration problem (the same sentence
 * its 503 page shows), so the page can explain why that option fails.
 */
export interface ProviderInfo {
  /** The option's id (server/catalogue.ts). */
  option: string;
  /** Its MCP endpoint, e.g. `/github/mcp`. */
  endpoint: string;
  /** How pages name it: "Simulated GitHub", "GitHub", "tenant.us.auth0.com". */
  name: string | null;
  simulated: boolean;
  /** The OpenID issuer (the OIDC options). */
  issuer?: string;
  /** Set when the option cannot run as configured. */
  problem?: string;
}

export async function providerInfo(options: readonly AuthOption[], context: ServerContext): Promise<ProviderInfo[]> {
  const withProvider = options.filter((option): option is AuthOption & Required<Pick<AuthOption, 'provider'>> => option.provider !== undefined);
  return Promise.all(
    withProvider.map(async (option): Promise<ProviderInfo> => {
      const endpoint = Object.values(option.entry.endpoints)[0];
      try {
        const { name, simulated, issuer } = await option.provider(context);
        return { option: option.id, endpoint, name, simulated, ...(issuer !== undefined && { issuer }) };
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        return { option: option.id, endpoint, name: null, simulated: false, problem: error.message };
      }
    }),
  );
}
