import { PROTECTED_RESOURCE_METADATA, routeOf, under, type RouteTable } from '../routes';
import type { ActorId } from './exchange';
import { ATTACKER_METADATA_PATH, CALLBACK_PATH } from './lab-clients';

/**
 * Who is who on the diagrams: which box a request to this Worker is drawn as, and who its outgoing
 * calls come from and go to. Pure rules over the server's route table (server/routes.ts), so the
 * trace classifies a path exactly as the server routes it. The player's diagrams match on these
 * actors, so a wrong attribution shows as an unexpected exchange.
 */

/** The box a path of this Worker is drawn as, or null for pages no diagram draws. */
export function actorAt(pathname: string, routes: RouteTable): ActorId | null {
  if (pathname === CALLBACK_PATH) return 'client';
  // Every protected resource metadata probe is the MCP server's, also the root one clients may try.
  if (under(pathname, PROTECTED_RESOURCE_METADATA)) return 'mcp';
  switch (routeOf(pathname, routes)?.kind) {
    case 'simulated-provider':
      // A provider's pages; `providerRole` decides when one acts as an MCP client's own authorization server.
      return 'upstream';
    case 'authorize':
    case 'authorization-server':
      return 'as';
    case 'mcp-endpoint':
    case 'resource-metadata':
      return 'mcp';
    default:
      return null;
  }
}

/**
 * Who a request's outgoing calls come from (the MCP server while it serves an endpoint, else the
 * authorization server), and who they go to: `upstream`, a provider behind the Worker, or `as`
 * for an endpoint whose tokens another authorization server issues (the MCP server fetches that
 * server's keys).
 */
export function callsFrom(pathname: string, routes: RouteTable): { caller: ActorId; callee: ActorId } {
  const route = routeOf(pathname, routes);
  if (route?.kind !== 'mcp-endpoint') return { caller: 'as', callee: 'upstream' };
  const endpoint = routes.endpoints.find((row) => row.path === route.path);
  return { caller: 'mcp', callee: endpoint?.tokensFrom === 'provider' ? 'as' : 'upstream' };
}

/**
 * Whose Client ID Metadata Document the authorization server fetched: the CIMD attack lab's
 * attacker's (the document the lab serves for them), or a client's.
 */
export function documentOwner(url: string, origin: string): 'attacker' | 'client' {
  return url === origin + ATTACKER_METADATA_PATH ? 'attacker' : 'client';
}

/** Which box a navigation goes to, or null when it is not a navigation, or not to a box. */
export function frontChannelTarget(request: Request, pathname: string, routes: RouteTable): ActorId | null {
  return request.headers.get('sec-fetch-mode') === 'navigate' ? actorAt(pathname, routes) : null;
}

/**
 * A provider's authorization page works either for this Worker (it sends the browser back to the
 * Worker's /authorize/<option>/callback), drawn as `upstream`, or for an MCP client directly (the
 * provider is the client's authorization server), drawn as `as`. Its redirect_uri says which: in
 * the query, or in the form that answers the page (the simulated providers carry the original
 * query in its `request` field).
 */
export function providerRole(url: string, requestBody: string | null, origin: string, authorizePath: string): ActorId {
  const query = new URL(url).searchParams;
  const form = requestBody === null ? null : new URLSearchParams(requestBody);
  const redirectUri = query.get('redirect_uri') ?? new URLSearchParams(form?.get('request') ?? '').get('redirect_uri');
  if (redirectUri === null) return 'upstream';
  return redirectUri.startsWith(`${origin}${authorizePath}/`) ? 'upstream' : 'as';
}
