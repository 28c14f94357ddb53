import type { ServerEnv } from './env';

/** Thrown when the deployment is missing configuration it needs; shown as a 503 page, never a 500. */
export class ConfigurationError extends Error {}

/**
 * Thrown for a request this server will not answer as: plain http at a name that is not loopback,
 * with no PUBLIC_ORIGIN saying it should. Cloudflare serves every route over https and a local
 * server is reached at localhost, so such a request is a DNS-rebinding page (a name of the
 * attacker's resolved to this machine: its requests carry that name in Host, and its own Origin
 * would pass a check against the request's origin) or a LAN address left unconfigured. Answered
 * 421 Misdirected Request (RFC 9110 §15.5.20), before anything else runs. A ConfigurationError, so
 * a caller that knows only those still answers 503, never 500.
 */
export class MisdirectedRequestError extends ConfigurationError {}

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
  // #region public-origin
  const { origin, protocol, hostname } = new URL(request.url);
  if (protocol === 'http:' && !isLoopbackHost(hostname)) {
    throw new MisdirectedRequestError(
      `This server answers plain http only at localhost or 127.0.0.1, not at ${hostname}. If this is your deployment's address, set PUBLIC_ORIGIN.`,
    );
  }
  return origin;
  // #endregion public-origin
}

/** The answer to a MisdirectedRequestError: 421, no-store, the reason in OAuth's error shape. */
export function misdirected(error: MisdirectedRequestError): Response {
  return Response.json({ error: 'invalid_request', error_description: error.message }, { status: 421, headers: { 'Cache-Control': 'no-store' } });
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
