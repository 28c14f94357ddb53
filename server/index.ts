import { allowedBrowserOrigins, ConfigurationError, publicOrigin } from './config';
import type { ServerEnv } from './env';
import { BodyTooLargeError, readBodyText, withBody } from './http/body';
import { originRejection, preflight, withCors } from './http/origin';
import { mcpResourceServersFor } from './mcp/endpoints';
import { AUTHORIZE_PATH, authorizationServerFor, MCP_PATHS } from './oauth/authorization-server';
import { handleAuthorize } from './oauth/authorize';
import { fitsKvLookup, tokenRequestClientIds } from './oauth/kv-key-limits';
import { OPTIONS } from './options/index';
import { handleSimulatedGithub, SIMULATED_GITHUB_BASE } from './simulated/github';
import { handleSimulatedOidc, isSimulatedOidcPath } from './simulated/oidc/provider';
import { errorPage } from './ui/html';

export { LegacySseSession } from './mcp/sse';
export type { ServerEnv } from './env';

/**
 * The companion MCP server: every route it owns, in one place.
 *
 *   /.well-known/oauth-authorization-server        RFC 8414 metadata          (library)
 *   /oauth/token, /oauth/register                  token, revocation, DCR     (library)
 *   /authorize, /authorize/sign-in|sign-out        sign-in and consent        (oauth/authorize.ts)
 *   /authorize/github|oidc[/callback]              consent, then a provider   (options/upstream-sign-in.ts)
 *   /.well-known/oauth-protected-resource/<path>   RFC 9728 metadata          (library)
 *   /mcp                                           option 1, Streamable HTTP  (mcp/streamable.ts)
 *   /sse, /sse/message                             option 1, legacy HTTP+SSE  (mcp/sse.ts)
 *   /github/mcp                                    option 2, GitHub           (options/github.ts)
 *   /oidc/mcp                                      option 3a, OIDC as proxy   (options/oidc-proxy.ts)
 *   /external/mcp                                  option 3b, separate AS     (options/external.ts)
 *   /simulated/github/…                            Simulated GitHub           (simulated/github.ts)
 *   /simulated/oidc/…                              Simulated OIDC provider    (simulated/oidc/)
 *
 * `handleServerRequest` answers those and returns null for anything else, so a host (the lab's
 * site, or your own Worker) can serve the rest. The default export is the server on its own.
 */
const OAUTH_BODY_LIMIT = 64 * 1024;

/** Every MCP endpoint this Worker serves, each its own protected resource (and audience). */
export const MCP_ENDPOINT_PATHS: readonly string[] = [MCP_PATHS.streamableHttp, MCP_PATHS.sse, ...OPTIONS.map((option) => option.mcpPath)];

type Route =
  | { kind: 'authorization-server' | 'authorize' | 'simulated-github' | 'simulated-oidc' }
  | { kind: 'mcp-endpoint' | 'resource-metadata'; path: string };

const PROTECTED_RESOURCE_METADATA = '/.well-known/oauth-protected-resource';

function routeOf(pathname: string): Route | null {
  const under = (base: string) => pathname === base || pathname.startsWith(`${base}/`);
  for (const path of MCP_ENDPOINT_PATHS) {
    if (under(path)) return { kind: 'mcp-endpoint', path };
    if (pathname === PROTECTED_RESOURCE_METADATA + path) return { kind: 'resource-metadata', path };
  }
  if (under(AUTHORIZE_PATH)) return { kind: 'authorize' };
  if (under('/oauth') || pathname === '/.well-known/oauth-authorization-server') return { kind: 'authorization-server' };
  if (under(SIMULATED_GITHUB_BASE)) return { kind: 'simulated-github' };
  if (isSimulatedOidcPath(pathname)) return { kind: 'simulated-oidc' };
  return null;
}

function resourceServerAt(env: ServerEnv, origin: string, path: string) {
  if (path === MCP_PATHS.streamableHttp) return mcpResourceServersFor(origin).streamableHttp;
  if (path === MCP_PATHS.sse) return mcpResourceServersFor(origin).sse;
  const option = OPTIONS.find((candidate) => candidate.mcpPath === path);
  if (!option) throw new Error(`no resource server for ${path}`);
  return option.resourceServer(env, origin);
}

export async function handleServerRequest(request: Request, env: ServerEnv, ctx: ExecutionContext): Promise<Response | null> {
  const route = routeOf(new URL(request.url).pathname);
  if (!route) return null;
  try {
    const origin = publicOrigin(env, request);
    switch (route.kind) {
      case 'authorize':
        return await handleAuthorize(request, env, origin);
      case 'authorization-server': {
        const body = await bounded(request);
        if (!(await tokenRequestClientIds(body)).every(fitsKvLookup)) {
          return Response.json({ error: 'invalid_client', error_description: 'Client authentication failed' }, { status: 401, headers: { 'Cache-Control': 'no-store' } });
        }
        return await authorizationServerFor(origin).fetch(body, env, ctx);
      }
      case 'resource-metadata':
        // Public discovery documents: any origin may read them.
        return await resourceServerAt(env, origin, route.path).fetch(request, env, ctx);
      case 'mcp-endpoint': {
        const rejection = originRejection(request, allowedBrowserOrigins(env, origin));
        if (rejection) return rejection;
        if (request.method === 'OPTIONS' && request.headers.has('origin')) return preflight(request);
        const response = await resourceServerAt(env, origin, route.path).fetch(request, env, ctx);
        return withCors(response, request, origin);
      }
      // The simulated providers stand in for other origins; they are reached over HTTP like real ones.
      case 'simulated-github':
        return await handleSimulatedGithub(await bounded(request), env, origin);
      case 'simulated-oidc':
        return await handleSimulatedOidc(await bounded(request), env, origin);
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return Response.json({ error: 'invalid_request', error_description: error.message }, { status: 413 });
    }
    if (error instanceof ConfigurationError) {
      return errorPage(503, 'This server is not configured yet', error.message);
    }
    // A bug or an outage, not the caller's doing: log it, answer without internals.
    console.error('unexpected error', error);
    return Response.json({ error: 'server_error', error_description: 'Unexpected server error.' }, { status: 500 });
  }
}

/** OAuth endpoints take small form or JSON bodies; refuse anything larger before parsing. */
async function bounded(request: Request): Promise<Request> {
  if (request.method !== 'POST') return request;
  return withBody(request, await readBodyText(request, OAUTH_BODY_LIMIT));
}

/** The server on its own (fork it without the site): everything else is a plain 404. */
export default {
  async fetch(request: Request, env: ServerEnv, ctx: ExecutionContext): Promise<Response> {
    return (
      (await handleServerRequest(request, env, ctx)) ??
      new Response(`MCP Auth Lab companion server. MCP endpoints: ${MCP_ENDPOINT_PATHS.join(', ')}.\n`, {
        status: new URL(request.url).pathname === '/' ? 200 : 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      })
    );
  },
} satisfies ExportedHandler<ServerEnv>;
