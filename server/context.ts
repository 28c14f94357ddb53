import type { OAuthAuthorizationServer } from '@cloudflare/workers-oauth-provider';
import { serverSecret } from './config';
import type { ServerEnv } from './env';

/**
 * What every part of the server is handed for one request: the Worker's environment, the public
 * origin it speaks for, its authorization server, and the simulated providers it serves (none in a
 * server that talks only to real providers). Built once per request by server.ts.
 */
export interface ServerContext {
  env: ServerEnv;
  /** The public origin: the OAuth issuer and the base of every resource URL. */
  origin: string;
  /**
   * This origin's authorization server (the library's), issuing tokens for the options that sign
   * users in here. Built when first read, and only a server with such an option has one: reading
   * it elsewhere throws (so pass a context on whole, or pick fields by name, never spread it).
   */
  authorizationServer: OAuthAuthorizationServer<ServerEnv>;
  simulated: readonly SimulatedProvider[];
}

/** The key for cookies and derived secrets (throws ConfigurationError when a deployment has none). */
export const secretOf = (context: Pick<ServerContext, 'env' | 'origin'>) => serverSecret(context.env, context.origin);

/**
 * A provider this Worker serves itself, standing in for a real one (GitHub, an OpenID provider)
 * so the server runs with no accounts and no secrets. Reached over HTTP like the real one.
 */
export type SimulatedProvider = SimulatedGithub | SimulatedOidc;

interface SimulatedProviderBase {
  /** How its pages and the server's pages name it. */
  name: string;
  /** The paths it answers on this origin. */
  paths: { base: string; aliases: readonly string[] };
  handle(request: Request, context: ServerContext): Promise<Response>;
}

export interface SimulatedGithub extends SimulatedProviderBase {
  id: 'github';
  /** This Worker's OAuth app there, and its endpoints, at this origin. */
  app(context: ServerContext): Promise<{ authorizeUrl: string; tokenUrl: string; userUrl: string; clientId: string; clientSecret: string }>;
}

export interface SimulatedOidc extends SimulatedProviderBase {
  id: 'oidc';
  issuer(origin: string): string;
  /** This Worker's confidential client there (option 3a). */
  proxyClient(context: ServerContext): Promise<{ clientId: string; clientSecret: string }>;
}

export function simulatedProvider<Id extends SimulatedProvider['id']>(context: Pick<ServerContext, 'simulated'>, id: Id) {
  return context.simulated.find((provider): provider is Extract<SimulatedProvider, { id: Id }> => provider.id === id);
}
