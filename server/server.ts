import { AUTH_OPTION_IDS, endpointPaths } from './catalogue';
import { allowedBrowserOrigins, ConfigurationError, misdirected, MisdirectedRequestError, publicOrigin } from './config';
import type { ServerContext, SimulatedProvider } from './context';
import type { ServerEnv } from './env';
import { BodyTooLargeError, readBodyText, withBody } from './http/body';
import { originRejection, preflight, withCors } from './http/origin';
import { rateLimitRefusal, REGISTRATION_RATE_LIMIT } from './http/rate-limit';
import { authorizationServerFor, REGISTER_PATH } from './oauth/authorization-server';
import { handleAuthorize } from './oauth/authorize';
import { fitsKvLookup, tokenRequestClientIds } from './oauth/kv-key-limits';
import type { AuthOption } from './auth-option';
import { routeOf, routeTable, type Route, type RouteTable } from './routes';
import { SERVER_INFO } from './server-info';
import { errorPage } from './ui/html';

/**
 * The MCP server, composed from the auth options it runs and the simulated providers it serves
 * (server/index.ts, from the lists in options/index.ts and simulated/index.ts). It owns these routes and returns null for anything else, so a host
 * (a site, or nothing: `fetch` answers 404) can serve the rest:
 *
 *   /.well-known/oauth-authorization-server, /oauth/*   RFC 8414 metadata, token, revocation, DCR (library;
 *                                                       registrations counted per client address first)
 *   /authorize, /authorize/*                            sign-in and consent (oauth/authorize.ts + the option)
 *   /.well-known/oauth-protected-resource/<endpoint>    RFC 9728 metadata (library)
 *   each option's MCP endpoints (catalogue.ts)          Origin check, then the option's protected resource
 *   /simulated/<provider>/…                             the simulated providers
 *
 * It is also the one place errors become responses: configuration errors a 503 page, anything
 * unexpected a generic 500 without internals (none is expected: bad input is answered above).
 */
export interface ServerParts {
  options: readonly AuthOption[];
  simulatedProviders: readonly SimulatedProvider[];
}

export interface McpServerWorker {
  /** The server's answer, or null when the path is not the server's. */
  handle(request: Request, env: ServerEnv, ctx: ExecutionContext): Promise<Response | null>;
  /** The server on its own: anything not its own is a 404. */
  fetch(request: Request, env: ServerEnv, ctx: ExecutionContext): Promise<Response>;
  routes: RouteTable;
  options: readonly AuthOption[];
  /** What the server hands its parts for this request (throws ConfigurationError on a bad PUBLIC_ORIGIN). */
  contextFor(request: Request, env: ServerEnv): ServerContext;
}

const OAUTH_BODY_LIMIT = 64 * 1024;

export function createServer(parts: ServerParts): McpServerWorker {
  // In the catalogue's order, whatever order the list came in: the first endpoint is the default resource.
  const options = [...parts.options].sort((a, b) => AUTH_OPTION_IDS.indexOf(a.id) - AUTH_OPTION_IDS.indexOf(b.id));
  const { simulatedProviders } = parts;
  const routes = routeTable(options, simulatedProviders);
  const issuedHere = options.filter((option) => option.entry.tokensFrom === 'this-worker').flatMap((option) => endpointPaths(option.entry));

  const contextFor = (request: Request, env: ServerEnv): ServerContext => {
    const origin = publicOrigin(env, request);
    return {
      env,
      origin,
      // Built when first asked for: a server whose only option takes another issuer's tokens has none.
      get authorizationServer() {
        if (issuedHere.length === 0) throw new Error('no option of this server issues tokens here, so it has no authorization server');
        return authorizationServerFor(
          origin,
          issuedHere.map((path) => origin + path),
        );
      },
      simulated: simulatedProviders,
    };
  };

  const endpointAt = (context: ServerContext, route: Extract<Route, { path: string }>) => {
    const endpoint = options.find((option) => option.id === route.option)?.endpoints(context).get(route.path);
    if (!endpoint) throw new Error(`no endpoint at ${route.path}`);
    return endpoint;
  };

  async function handle(request: Request, env: ServerEnv, ctx: ExecutionContext): Promise<Response | null> {
    const route = routeOf(new URL(request.url).pathname, routes);
    if (!route) return null;
    try {
      const context = contextFor(request, env);
      // #region server-routes
      switch (route.kind) {
        case 'authorize':
          return await handleAuthorize(request, context, options);
        case 'authorization-server': {
          // Each registration stores a client: counted per client address before the library sees it.
          if (request.method === 'POST' && new URL(request.url).pathname === REGISTER_PATH) {
            const refusal = await rateLimitRefusal(request, env.REGISTRATION_LIMITER, REGISTRATION_RATE_LIMIT, { crossOrigin: true });
            if (refusal) return refusal;
          }
          const body = await bounded(request);
          if (!(await tokenRequestClientIds(body)).every(fitsKvLookup)) {
            return Response.json({ error: 'invalid_client', error_description: 'Client authentication failed' }, { status: 401, headers: { 'Cache-Control': 'no-store' } });
          }
          return await context.authorizationServer.fetch(body, env, ctx);
        }
        case 'resource-metadata':
          // Public discovery documents: any origin may read them.
          return await endpointAt(context, route).fetch(request, env, ctx);
        case 'mcp-endpoint': {
          const rejection = originRejection(request, allowedBrowserOrigins(env, context.origin));
          if (rejection) return rejection;
          if (request.method === 'OPTIONS' && request.headers.has('origin')) return preflight(request);
          const response = await endpointAt(context, route).fetch(request, env, ctx);
          return withCors(response, request, context.origin);
        }
        case 'simulated-provider': {
          // The simulated providers stand in for other origins; they are reached over HTTP like real ones.
          const provider = simulatedProviders.find((candidate) => candidate.id === route.provider);
          return provider ? await provider.handle(await bounded(request), context) : null;
        }
      }
      // #endregion server-routes
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return Response.json({ error: 'invalid_request', error_description: error.message }, { status: 413 });
      }
      if (error instanceof MisdirectedRequestError) return misdirected(error);
      if (error instanceof ConfigurationError) {
        return errorPage(503, 'This server is not configured yet', error.message);
      }
      // A bug or an outage, not the caller's doing: log it, answer without internals.
      console.error('unexpected error', error);
      return Response.json({ error: 'server_error', error_description: 'Unexpected server error.' }, { status: 500 });
    }
  }

  return {
    handle,
    async fetch(request, env, ctx) {
      const endpoints = routes.endpoints.map((endpoint) => endpoint.path).join(', ');
      return (
        (await handle(request, env, ctx)) ??
        new Response(`${SERVER_INFO.title}, an MCP server. MCP endpoints: ${endpoints}.\n`, {
          status: new URL(request.url).pathname === '/' ? 200 : 404,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        })
      );
    },
    routes,
    options,
    contextFor,
  };
}

/** OAuth endpoints and the simulated providers take small bodies; refuse anything larger before parsing. */
async function bounded(request: Request): Promise<Request> {
  if (request.method !== 'POST') return request;
  return withBody(request, await readBodyText(request, OAUTH_BODY_LIMIT));
}
