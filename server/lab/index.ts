import { serverSecret, publicOrigin } from '../config';
import { callsFrom } from './actors';
import { isAudienceDemoRoute, serveAudienceDemo } from './audience-demo';
import type { LabEnv, TracedServer } from './env';
import { runTraced, type ActiveTrace } from './recorder';
import { handleLabRoute, isLabRoute } from './routes';
import { mayCarryTrace, verifiedTraceId } from './trace-cookie';

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
    const { pathname } = new URL(request.url);
    if (isLabRoute(pathname)) return handleLabRoute(request, env, server);
    if (isAudienceDemoRoute(pathname)) return serveAudienceDemo(request, env, ctx, server);
    // The fast path: without a trace cookie, nothing else is looked at.
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
    const url = new URL(request.url);
    const { routes } = server;
    return { traceId, env, ctx, origin, routes, clientId: url.searchParams.get('client_id'), ...callsFrom(url.pathname, routes) };
  } catch (error) {
    console.warn('trace cookie not checked:', error instanceof Error ? error.message : error);
    return null;
  }
}
