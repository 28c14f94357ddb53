import { ConfigurationError, misdirected, MisdirectedRequestError, serverSecret, publicOrigin } from '../config';
import { rateLimitRefusal, type RateLimitRule } from '../http/rate-limit';
import type { LabEnv, TracedServer } from './env';
import { ATTACKER_METADATA_PATH, attackerMetadataDocument, CLIENT_METADATA_PATH, clientMetadataDocument, preregisteredClientId, CALLBACK_PATH } from './lab-clients';
import { providerInfo } from './lab-options';
import { isAudienceDemoRoute, serveAudienceDemo } from './audience-demo';
import { handleGrantState, isGrantStateRoute } from './grant-state';
import { attackerTag, newTraceId, TRACE_ID_PATTERN, TRACE_LIFETIME_SECONDS, traceCookie, verifiedTraceId } from './trace-cookie';

/**
 * The lab layer's own endpoints, answered before the server sees the request:
 *
 *   POST /lab/traces                   start a trace: 201 { traceId, expiresAt, attackerTag } + the trace cookie
 *                                      (429 when this address started too many: TRACE_RATE_LIMIT)
 *   GET  /lab/traces/<id>/events       the trace's event stream (WebSocket), for the cookie's owner only
 *   GET  /lab/client                   the pre-registered client for the in-page MCP client
 *   GET  /lab/client-metadata.json     the in-page client's Client ID Metadata Document
 *   GET  /lab/attacker/client-metadata.json  the CIMD attack lab's attacker's document (lab-clients.ts)
 *   GET  /lab/providers                the providers behind options 2 and 3: simulated or real (no secrets)
 *   GET  /lab/grant-state              what the Worker keeps for the bearer token's own grant (grant-state.ts)
 *   *    /lab/demo/no-audience-check/mcp  the wrong-audience lab's isolated demo endpoint (audience-demo.ts)
 *
 * Anything else under /lab/ (the callback page, the player) is the site's.
 */
const TRACES_PATH = '/lab/traces';
const PROVIDERS_PATH = '/lab/providers';
const EVENTS_PATH = /^\/lab\/traces\/([^/]+)\/events$/;
const NO_STORE = { 'Cache-Control': 'no-store' };
/** Each trace is a Durable Object: counted per client address (the binding TRACE_LIMITER, in wrangler.jsonc). */
const TRACE_RATE_LIMIT: RateLimitRule = { counted: 'traces started', periodSeconds: 60 };

export function isLabRoute(pathname: string): boolean {
  return pathname === TRACES_PATH || EVENTS_PATH.test(pathname) || pathname === '/lab/client' || pathname === CLIENT_METADATA_PATH || pathname === ATTACKER_METADATA_PATH || pathname === PROVIDERS_PATH || isGrantStateRoute(pathname) || isAudienceDemoRoute(pathname);
}

export async function handleLabRoute(request: Request, env: LabEnv, ctx: ExecutionContext, server: TracedServer): Promise<Response> {
  const { pathname } = new URL(request.url);
  try {
    const origin = publicOrigin(env, request);
    if (pathname === TRACES_PATH) return request.method === 'POST' ? await startTrace(request, env, origin) : methodNotAllowed('POST');
    const events = EVENTS_PATH.exec(pathname);
    if (events) return request.method === 'GET' ? await openEvents(request, env, origin, events[1]) : methodNotAllowed('GET');
    if (isGrantStateRoute(pathname)) return await handleGrantState(request, env, server);
    if (isAudienceDemoRoute(pathname)) return await serveAudienceDemo(request, env, ctx, server);
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET, HEAD');
    const context = server.contextFor(request, env);
    if (pathname === PROVIDERS_PATH) return Response.json({ providers: await providerInfo(server.options, context) }, { headers: NO_STORE });
    if (pathname === CLIENT_METADATA_PATH) {
      return Response.json(clientMetadataDocument(origin), { headers: { 'Cache-Control': 'public, max-age=300' } });
    }
    if (pathname === ATTACKER_METADATA_PATH) {
      return Response.json(attackerMetadataDocument(origin), { headers: { 'Cache-Control': 'public, max-age=300' } });
    }
    return Response.json({ client_id: await preregisteredClientId(context), redirect_uri: origin + CALLBACK_PATH }, { headers: NO_STORE });
  } catch (error) {
    if (error instanceof MisdirectedRequestError) return misdirected(error);
    if (error instanceof ConfigurationError) return failure(503, 'temporarily_unavailable', error.message);
    console.error('lab route failed', error);
    return failure(500, 'server_error', 'Unexpected server error.');
  }
}

async function startTrace(request: Request, env: LabEnv, origin: string): Promise<Response> {
  if (foreignOrigin(request, origin)) return failure(403, 'forbidden', 'Traces can only be started from this site.');
  const refusal = await rateLimitRefusal(request, env.TRACE_LIMITER, TRACE_RATE_LIMIT);
  if (refusal) return refusal;
  const secret = serverSecret(env, origin);
  const traceId = newTraceId();
  const expiresAt = Date.now() + TRACE_LIFETIME_SECONDS * 1000;
  await traceStub(env, traceId).start(traceId, expiresAt);
  // The attacker tag lets the Origin attack lab's foreign page, which sends no cookie, add to this trace (trace-cookie.ts).
  return Response.json(
    { traceId, expiresAt, attackerTag: await attackerTag(traceId, secret) },
    { status: 201, headers: { ...NO_STORE, 'Set-Cookie': await traceCookie(traceId, secret) } },
  );
}

/**
 * Only the browser holding this trace's cookie may listen: another browser (or another trace's
 * cookie) gets 403 before any storage is touched; a trace that never existed or has expired, 404.
 */
async function openEvents(request: Request, env: LabEnv, origin: string, traceId: string): Promise<Response> {
  if (foreignOrigin(request, origin)) return failure(403, 'forbidden', 'This trace can only be read from this site.');
  const owned = await verifiedTraceId(request, serverSecret(env, origin));
  if (!TRACE_ID_PATTERN.test(traceId) || owned !== traceId) {
    return failure(403, 'forbidden', 'This browser did not start this trace.');
  }
  return traceStub(env, traceId).fetch(new Request(request.url, { headers: { Upgrade: request.headers.get('upgrade') ?? '' } }));
}

const traceStub = (env: LabEnv, traceId: string) => env.LAB_TRACES.get(env.LAB_TRACES.idFromName(traceId));

/** Browsers send Origin on POSTs and WebSocket handshakes: one from another site is refused. */
function foreignOrigin(request: Request, origin: string): boolean {
  const sender = request.headers.get('origin');
  return sender !== null && sender !== origin;
}

function methodNotAllowed(allow: string): Response {
  return Response.json({ error: 'method_not_allowed', error_description: `Use ${allow}.` }, { status: 405, headers: { Allow: allow } });
}

function failure(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, { status, headers: NO_STORE });
}
