import type { ProviderInfo } from '../../server/lab/lab-options';
import { AUTH_OPTIONS, type AuthOptionId } from '../flow/auth-options';

/**
 * What the player says about the provider behind an option: a simulated one runs on this Worker
 * and is part of the lab, so everything it does is recorded; a real one is another site, whose
 * pages the lab cannot see. The server says which (GET /lab/providers, server/lab/lab-options.ts).
 */
export type { ProviderInfo };

/** What a simulated provider stands in for. */
const STANDS_IN_FOR: Partial<Record<AuthOptionId, string>> = {
  github: 'github.com',
  'oidc-proxy': 'Auth0, Stytch, Cloudflare Access or any OpenID provider',
  'oidc-external': 'Auth0, Stytch, Cloudflare Access or any OpenID provider',
};

export interface ProviderNote {
  tone: 'simulated' | 'real' | 'problem';
  /** The first words, set in bold: the provider's name. */
  lead: string;
  text: string;
}

export function providerNote(option: AuthOptionId, providers: ProviderInfo[]): ProviderNote | null {
  const endpoint = AUTH_OPTIONS[option].endpoints['streamable-http'];
  const info = providers.find((provider) => provider.endpoint === endpoint);
  if (!info) return null;
  if (info.problem) {
    return { tone: 'problem', lead: 'Not configured', text: `: ${info.problem} Until then this option fails at its first redirect to the provider.` };
  }
  if (info.simulated) {
    return {
      tone: 'simulated',
      lead: `${info.name} — part of the lab`,
      text: `. It runs on this Worker as a stand-in for ${STANDS_IN_FOR[option] ?? 'a real provider'} and answers as one would (its pages say they are a simulation). Everything it does is recorded: its pages, and the Worker’s calls to it.`,
    };
  }
  return {
    tone: 'real',
    lead: `${info.name} — a real provider`,
    text: `, configured on this server${info.issuer ? ` (issuer ${info.issuer})` : ''}. Its pages are on another site, which the lab cannot record, so those messages stay grey; the Worker’s own calls to it are recorded.`,
  };
}

/** The server's answer, or null when it could not be had (the player then says nothing about providers). */
export async function fetchProviders(origin: string): Promise<ProviderInfo[] | null> {
  try {
    const response = await fetch(`${origin}/lab/providers`, { headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    const body = (await response.json()) as { providers?: ProviderInfo[] };
    return Array.isArray(body.providers) ? body.providers : null;
  } catch {
    return null;
  }
}
