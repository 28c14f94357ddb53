import { env } from 'cloudflare:workers';
import type { ServerEnv } from '../env';
import { SIMULATED_GITHUB_BASE } from '../simulated/github';
import { isSimulatedOidcPath } from '../simulated/oidc/provider';

/**
 * How this Worker sends a request to a provider. The simulated providers are served by this same
 * Worker, and a Worker's fetch to its own hostname depends on how Cloudflare routes it: without the
 * `global_fetch_strictly_public` flag it fails (error 1042, a fetch to a Worker on the same zone);
 * with it, it leaves through the internet and comes back. A self service binding (`SELF` in
 * wrangler.jsonc) hands the request to this Worker directly: still a real HTTP request and
 * response, through the same routes. So the simulated providers are reached through `SELF` when it
 * is bound, and everything else (real providers, or any provider when nothing is bound) with the
 * global fetch.
 */
export function upstreamFetch(url: string, init: RequestInit): Promise<Response> {
  const self = (env as Partial<ServerEnv>).SELF;
  return self && servedHere(url) ? self.fetch(url, init) : fetch(url, init);
}

/**
 * A URL of a simulated provider that this Worker is using, so of this Worker: Simulated GitHub is
 * never configured elsewhere (the real one is github.com), and the Simulated OIDC provider is the
 * one in use only when no OIDC_ISSUER names another (which might be another lab's simulation).
 */
function servedHere(url: string): boolean {
  const { pathname } = new URL(url);
  if (pathname.startsWith(`${SIMULATED_GITHUB_BASE}/`)) return true;
  return isSimulatedOidcPath(pathname) && !(env as Partial<ServerEnv>).OIDC_ISSUER?.trim();
}
