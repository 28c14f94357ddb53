import type { ServerEnv } from './env';

/** Thrown when the deployment is missing configuration it needs; shown as a 503 page, never a 500. */
export class ConfigurationError extends Error {}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The origin the server speaks for: the OAuth issuer and the base of each resource URL.
 * Configured origins win; otherwise the request's own origin, which Cloudflare routes by host.
 */
export function publicOrigin(env: ServerEnv, request: Request): string {
  const configured = env.PUBLIC_ORIGIN?.trim();
  if (configured) {
    let url: URL;
    try {
      url = new URL(configured);
    } catch {
      throw new ConfigurationError('PUBLIC_ORIGIN is not a URL (expected e.g. https://mcp.example.com).');
    }
    if (url.origin !== configured.replace(/\/$/, '')) {
      throw new ConfigurationError('PUBLIC_ORIGIN must be an origin only: scheme, host and port, no path.');
    }
    return url.origin;
  }
  return new URL(request.url).origin;
}

// Used only on loopback origins, so `npm run dev` works on a fresh clone. It can never sign
// anything on a deployed origin: serverSecret() refuses it there.
const LOCAL_DEVELOPMENT_SECRET = 'local-development-only-secret-not-for-deployment';

/** The key for the sign-in cookie, remembered consent, and the secrets derived for simulated providers. */
export function serverSecret(env: ServerEnv, origin: string): string {
  const secret = env.SERVER_SECRET;
  if (secret && secret.length >= 32) return secret;
  if (secret) throw new ConfigurationError('SERVER_SECRET must be at least 32 characters.');
  if (isLoopbackHost(new URL(origin).hostname)) return LOCAL_DEVELOPMENT_SECRET;
  throw new ConfigurationError('SERVER_SECRET is not set. Run `npx wrangler secret put SERVER_SECRET` with 32+ random characters.');
}

/** Browser origins allowed to call the MCP endpoints: this Worker's own, plus any configured. */
export function allowedBrowserOrigins(env: ServerEnv, origin: string): Set<string> {
  const extra = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((value) => value.trim().replace(/\/$/, ''))
    .filter(Boolean);
  return new Set([origin, ...extra]);
}
