import type { CapturedExchange, KeptAuthorization } from '../flow/types';

/**
 * The newest grant the page holds: its access token and the scopes granted with it, read from the
 * page's own (unredacted) token responses in the trace, so a refresh or a step-up is picked up the
 * moment its response arrives.
 */
export interface HeldGrant {
  accessToken: string;
  /** From the token response's `scope` (RFC 6749 §5.1); empty when the server did not say. */
  scopes: string[];
}

export function latestGrant(exchanges: Iterable<CapturedExchange>): HeldGrant | null {
  let latest: { at: number; grant: HeldGrant } | null = null;
  for (const exchange of exchanges) {
    if (exchange.source !== 'page' || exchange.status !== 200 || !exchange.responseBody?.includes('access_token')) continue;
    let body: { access_token?: unknown; scope?: unknown };
    try {
      body = JSON.parse(exchange.responseBody) as typeof body;
    } catch {
      continue; // not a JSON token response
    }
    if (typeof body.access_token !== 'string' || (latest && exchange.startedAt < latest.at)) continue;
    latest = { at: exchange.startedAt, grant: { accessToken: body.access_token, scopes: scopesOf(body.scope) } };
  }
  return latest?.grant ?? null;
}

/** The grant an authorization kept from another page holds. */
export function heldGrantOf(kept: KeptAuthorization): HeldGrant {
  return { accessToken: kept.tokens.access_token, scopes: scopesOf(kept.tokens.scope) };
}

/** A token response's `scope` (RFC 6749 §5.1: space-separated) as a list; empty when absent. */
const scopesOf = (scope: unknown): string[] => (typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
