import { serverSecret, publicOrigin } from '../config';
import { routeOf } from '../routes';
import { callsFrom } from './actors';
import type { LabEnv, TracedServer } from './env';
import { ATTACKER_TAG_PARAMETER } from './exchange';
import { runTraced, type ActiveTrace } from './recorder';
import { handleLabRoute, isLabRoute } from './routes';
import { mayCarryTrace, verifiedAttackerTraceId, verifiedTraceId } from './trace-cookie';

/**
 * The lab's tracing layer: an optional wrapper around a Worker's fetch handler. The server knows
 * nothing about it; the lab's entry (site/worker.ts) wraps the server in one line, handing it the
 * server (for its route table and its authorization server), and a fork never sees this folder.
 * See ARCHITECTURE.md, "How a trace flows".
 */
export { TraceSession } from './trace-session';
export type { LabEnv, TracedServer } from './env';

type FetchHandler<E> = (request: Request, env: E, ctx: ExecutionContext) => Promise<Response>;

export function withTracing<E extends LabEnv>(server: TracedServer, handler: FetchHandler<E>): FetchHandler<E> {
  return async (request, env, ctx) => {
    const url = new URL(request.url);
    if (isLabRoute(url.pathname)) return handleLabRoute(request, env, ctx, server);
    if (url.searchParams.has(ATTACKER_TAG_PARAMETER)) return handleTagged(request, url, env, ctx, server, handler);
    // The fast path: without a trace cookie (or an attacker tag, above), nothing else is looked at.
    if (!mayCarryTrace(request)) return handler(request, env, ctx);
    const trace = await traceOf(request, env, ctx, server);
    return trace ? runTraced(trace, request, (traced) => handler(traced, env, ctx)) : handler(request, env, ctx);
  };
}

/** The trace this request belongs to, or null. Never throws: tracing must not break a request. */
async function traceOf(request: Request, env: LabEnv, ctx: ExecutionContext, server: TracedServer): Promise<ActiveTrace | null> {
  try {
    const origin = publicOrigin(env, request);
    const traceId = await verifiedTraceId(request, serverSecret(env, origin));
    if (!traceId) return null;
    return activeTrace(traceId, new URL(request.url), env, ctx, origin, server);
  } catch (error) {
    console.warn('trace cookie not checked:', error instanceof Error ? error.message : error);
    return null;
  }
}

function activeTrace(traceId: string, url: URL, env: LabEnv, ctx: ExecutionContext, origin: string, server: TracedServer): ActiveTrace {
  const { routes } = server;
  return { traceId, env, ctx, origin, routes, clientId: url.searchParams.get('client_id'), ...callsFrom(url.pathname, routes) };
}

/**
 * A request of the Origin attack lab's foreign page, which carries its trace's attacker tag in the
 * query because no cookie of this site goes with it (trace-cookie.ts). The tag comes off before
 * the server sees the request, which is then exactly the attacker's; an MCP endpoint's request with
 * a valid tag is recorded in that trace as the attacker's. Anything else is handled untraced.
 */
async function handleTagged<E extends LabEnv>(request: Request, url: URL, env: E, ctx: ExecutionContext, server: TracedServer, handler: FetchHandler<E>): Promise<Response> {
  const tag = url.searchParams.get(ATTACKER_TAG_PARAMETER);
  url.searchParams.delete(ATTACKER_TAG_PARAMETER);
  const untagged = new Request(url, request);
  let trace: ActiveTrace | null = null;
  try {
    const origin = publicOrigin(env, untagged);
    const traceId = routeOf(url.pathname, server.routes)?.kind === 'mcp-endpoint' ? await verifiedAttackerTraceId(tag, serverSecret(env, origin)) : null;
    if (traceId) trace = { ...activeTrace(traceId, url, env, ctx, origin, server), byAttacker: true };
  } catch (error) {
    console.warn('attacker tag not checked:', error instanceof Error ? error.message : error);
  }
  return trace ? runTraced(trace, untagged, (traced) => handler(traced, env, ctx)) : handler(untagged, env, ctx);
}
