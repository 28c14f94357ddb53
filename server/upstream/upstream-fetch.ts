import { env } from 'cloudflare:workers';
import { SIMULATED_PATH_PREFIX } from '../catalogue';
import type { ServerEnv } from '../env';

/**
 * How this Worker sends a request to a provider. The simulated providers are served by this same
 * Worker, and a Worker's fetch to its own hostname depends on how Cloudflare routes it: without the
 * `global_fetch_strictly_public` flag it fails (error 1042, a fetch to a Worker on the same zone);
 * with it, it leaves through the internet and comes back. A self service binding (`SELF` in
 * wrangler.jsonc, declared only where simulated providers are served) hands the request to this
 * Worker directly: still a real HTTP request and response, through the same routes. So a
 * simulated provider's URL goes through `SELF` when it is bound, and everything else (real
 * providers, or any provider when nothing is bound) through the global fetch.
 */
export function upstreamFetch(url: string, init: RequestInit): Promise<Response> {
  const self = (env as Partial<ServerEnv>).SELF;
  return self && servedHere(url) ? self.fetch(url, init) : fetch(url, init);
}

/**
 * A URL of a simulated provider, so of this Worker. (An OIDC_ISSUER that names another
 * deployment's simulated provider is not this Worker's: its host is not ours.)
 */
function servedHere(url: string): boolean {
  const { pathname, host } = new URL(url);
  if (!pathname.startsWith(SIMULATED_PATH_PREFIX)) return false;
  const issuer = (env as Partial<ServerEnv>).OIDC_ISSUER?.trim();
  return !issuer || !URL.canParse(issuer) || new URL(issuer).host !== host;
}
