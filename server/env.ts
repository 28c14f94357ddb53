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
   * The origin this Worker is reached at, e.g. `https://lab.example.com`. It is the OAuth issuer
   * and the base of every resource identifier. Empty: the request's own origin.
   */
  PUBLIC_ORIGIN?: string;
  /**
   * Signs the sign-in session cookie and remembered consent. At least 32 characters. Optional only
   * on a loopback origin, where a fixed development value is used instead.
   */
  LAB_SECRET?: string;
  /** Extra browser origins (comma-separated) allowed to call the MCP endpoints. */
  ALLOWED_ORIGINS?: string;
}
