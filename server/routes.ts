import type { AuthOptionEntry, AuthOptionId } from './catalogue';

/**
 * Which part of the server a path belongs to: pure, from a table built once from the options and
 * simulated providers the server runs (server.ts), so the server and the layers around it (the
 * tracing layer of the course site) classify requests the same way.
 */
export type Route =
  | { kind: 'authorization-server' }
  | { kind: 'authorize' }
  | { kind: 'mcp-endpoint' | 'resource-metadata'; path: string; option: AuthOptionId }
  | { kind: 'simulated-provider'; provider: SimulatedPaths['id'] };

export interface EndpointRow {
  path: string;
  option: AuthOptionId;
  tokensFrom: AuthOptionEntry['tokensFrom'];
}

export interface SimulatedPaths {
  id: 'github' | 'oidc';
  paths: { base: string; aliases: readonly string[] };
}

export interface RouteTable {
  endpoints: readonly EndpointRow[];
  simulated: readonly SimulatedPaths[];
  /** Whether this Worker is an authorization server at all (it is when any option's tokens come from here). */
  authorizationServer: boolean;
}

export const AUTHORIZE_BASE = '/authorize';
export const OAUTH_BASE = '/oauth';
export const AUTHORIZATION_SERVER_METADATA = '/.well-known/oauth-authorization-server';
export const PROTECTED_RESOURCE_METADATA = '/.well-known/oauth-protected-resource';

export function routeTable(options: readonly { entry: AuthOptionEntry }[], simulated: readonly SimulatedPaths[]): RouteTable {
  const endpoints = options.flatMap(({ entry }) =>
    Object.values(entry.endpoints).map((path) => ({ path, option: entry.id as AuthOptionId, tokensFrom: entry.tokensFrom })),
  );
  return {
    endpoints,
    simulated: simulated.map(({ id, paths }) => ({ id, paths })),
    authorizationServer: endpoints.some((endpoint) => endpoint.tokensFrom === 'this-worker'),
  };
}

/** `base` itself, or anything below it. */
export const under = (pathname: string, base: string) => pathname === base || pathname.startsWith(`${base}/`);

export function routeOf(pathname: string, table: RouteTable): Route | null {
  for (const { path, option } of table.endpoints) {
    if (under(pathname, path)) return { kind: 'mcp-endpoint', path, option };
    if (pathname === PROTECTED_RESOURCE_METADATA + path) return { kind: 'resource-metadata', path, option };
  }
  if (table.authorizationServer) {
    if (under(pathname, AUTHORIZE_BASE)) return { kind: 'authorize' };
    if (under(pathname, OAUTH_BASE) || pathname === AUTHORIZATION_SERVER_METADATA) return { kind: 'authorization-server' };
  }
  for (const { id, paths } of table.simulated) {
    if (under(pathname, paths.base) || paths.aliases.includes(pathname)) return { kind: 'simulated-provider', provider: id };
  }
  return null;
}
