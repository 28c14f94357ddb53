import type { AuthRequest, ConsentDescription, OAuthHelpers, OAuthResourceServer } from '@cloudflare/workers-oauth-provider';
import type { AuthOptionEntry, AuthOptionId } from './catalogue';
import type { ServerContext } from './context';
import type { ServerEnv } from './env';
import type { GrantProps } from './grant-props';

/**
 * One way to authorize this MCP server: one module in server/options/<id>/ exporting one of these.
 * Each option has its own MCP endpoints (paths in server/catalogue.ts), each its own audience, so
 * options run side by side and a token for one is refused by every other. server/index.ts lists
 * the options it runs; removing an option is removing its line there.
 */
export interface AuthOption {
  id: AuthOptionId;
  /** Its catalogue entry: paths, title, own tool. */
  entry: AuthOptionEntry;
  /** Its MCP endpoints, path → protected resource (metadata, 401 challenge, token checks, tools). */
  endpoints(context: ServerContext): ReadonlyMap<string, OAuthResourceServer<ServerEnv, GrantProps>>;
  /**
   * How /authorize signs the user in for this option's resources. Absent when the MCP client gets
   * its tokens from another authorization server (the provider), so this Worker signs no one in.
   */
  signIn?: SignIn;
  /** The provider behind the option, for pages that say who signs the user in. Absent: this Worker does. */
  provider?(context: ServerContext): Promise<{ name: string; simulated: boolean; issuer?: string }>;
}

/** Who is answering the consent page: a user this Worker signed in, or a browser whose user a provider names later. */
export type Visitor = { kind: 'user'; userId: string; userName: string } | { kind: 'browser' };

/**
 * The option's part of /authorize (server/oauth/authorize.ts runs the same steps for every option):
 *
 *   GET  /authorize            the request is validated; `visitor` says who is here (null: show
 *                              `signInPage` first); consent, unless remembered; then `proceed`
 *   POST <entry.signIn.consentPath>   the consent form: Allow → `proceed`, Deny → access_denied
 *   any of `routes`            the option's own pages: a sign-in form, a provider's callback
 */
export interface SignIn {
  visitor(request: Request, context: ServerContext): Promise<Visitor | null>;
  /** Option 1: the page that signs the user in before consent, continuing to `authorizeUrl`. */
  signInPage?(authorizeUrl: URL, context: ServerContext): Response;
  consentPage(input: { details: ConsentDescription; handle: string; visitor: Visitor; authorizeUrl: URL; headers: Headers; context: ServerContext }): Promise<Response>;
  /** Consent is given: finish the grant here, or send the browser on to the provider. */
  proceed(input: { oauth: OAuthHelpers; authRequest: AuthRequest; visitor: Visitor; headers: Headers; context: ServerContext }): Promise<Response>;
  routes?: Record<string, (request: Request, oauth: OAuthHelpers, context: ServerContext) => Promise<Response>>;
}
