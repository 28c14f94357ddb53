/**
 * What the companion server needs from its Worker environment. Bindings are declared in
 * wrangler.jsonc; secrets go in .dev.vars locally and `wrangler secret put` when deployed.
 */
export interface ServerEnv {
  /** Grants, hashed tokens, clients and the `save_note` tool's notes. Layout: server/STORAGE.md. */
  OAUTH_KV: KVNamespace;
  /** One Durable Object per legacy HTTP+SSE session (server/mcp/sse.ts). */
  MCP_OBJECT: DurableObjectNamespace;
  /**
   * The origin this Worker is reached at, e.g. `https://mcp.example.com`. It is the OAuth issuer
   * and the base of every resource identifier. Empty: the request's own origin.
   */
  PUBLIC_ORIGIN?: string;
  /**
   * Signs the sign-in session cookie and remembered consent. At least 32 characters. Optional only
   * on a loopback origin, where a fixed development value is used instead.
   */
  SERVER_SECRET?: string;
  /** Extra browser origins (comma-separated) allowed to call the MCP endpoints. */
  ALLOWED_ORIGINS?: string;
  /**
   * This Worker, bound to itself (a service binding to its own name in wrangler.jsonc). Optional:
   * when present, the simulated providers are called through it instead of over the internet
   * (server/upstream/upstream-fetch.ts).
   */
  SELF?: Fetcher;
  /**
   * Counts client registrations per client address (RFC 7591 at /oauth/register, and the
   * simulated OpenID provider's): a `ratelimits` binding in wrangler.jsonc. Optional: without it,
   * registration is not limited (server/http/rate-limit.ts).
   */
  REGISTRATION_LIMITER?: RateLimit;

  // Option 2, GitHub behind the Worker (server/options/github.ts). Both set: real GitHub, with
  // this OAuth app. Neither: the built-in Simulated GitHub. One alone is a configuration error.
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;

  // Option 3, your own provider (server/options/oidc-proxy.ts and external.ts). OIDC_ISSUER set:
  // that provider, exactly as its discovery document names itself. Unset: the built-in Simulated
  // OIDC provider (server/simulated/oidc/).
  OIDC_ISSUER?: string;
  /** 3a (proxy): this Worker's client at the provider (a confidential web application). */
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  /** 3a: scopes asked of the provider, space-separated. Default `openid profile email`. */
  OIDC_SCOPES?: string;
  /**
   * 3b (separate authorization server): the `aud` the provider puts in access tokens for
   * /external/mcp, when it cannot be that URL itself (e.g. a Cloudflare Access application's AUD
   * tag). Default: the resource URL, `<origin>/external/mcp`.
   */
  OIDC_AUDIENCE?: string;
  /**
   * 3b: `true` to accept access tokens whose header says `typ: JWT` rather than `at+jwt` (RFC 9068),
   * for providers that do not label them. The audience check still keeps ID tokens out.
   */
  OIDC_ALLOW_UNTYPED_ACCESS_TOKENS?: string;
}
