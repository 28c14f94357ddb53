import type { OAuthResourceServer } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import type { GrantProps } from '../oauth/grant-props';

/**
 * One of the ways to authorize an MCP server, beside option 1 (the lab's own sign-in, which is the
 * rest of server/). Each option is one file exporting one of these, and each has its own MCP
 * endpoint and audience, so they all run at once and a token for one is refused by every other.
 * A fork keeps the options it wants: delete the file, its line in options/index.ts, and its path
 * in MCP_PATHS (oauth/authorization-server.ts) if it has one there.
 */
export interface AuthOption {
  /** Its name in URLs: the MCP endpoint is /<name>/mcp; options 2 and 3a have pages under /authorize/<name>. */
  name: 'github' | 'oidc' | 'external';
  mcpPath: string;
  /** The endpoint as a protected resource on this origin: metadata, 401 challenge, token checks, tools. */
  resourceServer(env: ServerEnv, origin: string): OAuthResourceServer<ServerEnv, GrantProps>;
  /** Options 2 and 3a: the provider /authorize hands the user to, after consent for the MCP client. */
  signIn?: UpstreamSignIn;
}

/** A provider that signs users in for this Worker's authorization server (server/options/upstream-sign-in.ts). */
export interface UpstreamSignIn {
  /** How pages name it right now: "GitHub", "Simulated GitHub", "tenant.us.auth0.com". */
  providerName(env: ServerEnv, origin: string): Promise<string>;
  /** Where to send the browser for this attempt. `nonce` matters only to OpenID providers. */
  authorizationUrl(env: ServerEnv, origin: string, attempt: UpstreamAttempt & { state: string; codeChallenge: string }): Promise<string>;
  /** At the callback: exchange the code and learn who signed in. Throws UpstreamError. */
  finish(env: ServerEnv, origin: string, callback: UpstreamAttempt & { params: URLSearchParams; verifier: string }): Promise<SignedInUpstream>;
}

export interface UpstreamAttempt {
  nonce: string;
  /** This Worker's callback for the provider, registered there. */
  redirectUri: string;
}

export interface SignedInUpstream {
  userId: string;
  userName: string;
  props: GrantProps;
}
