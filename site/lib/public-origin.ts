import { env } from 'cloudflare:workers';
import { publicOrigin } from '../../server/config';
import type { ServerEnv } from '../../server/env';

/**
 * The origin this deployment is reached at, exactly as the companion server sees it (PUBLIC_ORIGIN
 * or the request's own), so the URLs shown on the site are the ones clients must use.
 */
export function siteOrigin(request: Request): string {
  try {
    return publicOrigin(env as unknown as ServerEnv, request);
  } catch {
    // A misconfigured PUBLIC_ORIGIN: the server's own pages explain it; show the request's origin.
    return new URL(request.url).origin;
  }
}
