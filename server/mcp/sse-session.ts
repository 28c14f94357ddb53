import type { ServerEnv } from '../env';
import { CALLER_HEADER, legacySseHandler, legacySseSession } from './sse';
import type { Caller } from './caller';

/**
 * Binding legacy SSE sessions to their user (MCP security best practices, "Session Hijacking").
 *
 * `McpAgent.serveSSE` would let the client choose the session id on GET and would accept a POST
 * into any session from any valid token. Here the server always mints the id, and the id commits
 * to its owner: `<random><tag>` where tag = SHA-256(random, user, client). A POST is accepted only
 * when the tag recomputed from *the POST's own token* matches, so another user's valid token with
 * your session id is refused (404, as for a session that does not exist). No storage is needed,
 * so the check is as consistent as the token itself.
 */
const RANDOM_HEX = 32;
const TAG_HEX = 32;
const SESSION_ID = new RegExp(`^[0-9a-f]{${RANDOM_HEX + TAG_HEX}}$`);

const hex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');

// #region sse-session-binding
async function ownerTag(random: string, caller: Caller): Promise<string> {
  const input = new TextEncoder().encode(JSON.stringify(['mcp-sse-session', random, caller.userId, caller.clientId]));
  return hex(await crypto.subtle.digest('SHA-256', input)).slice(0, TAG_HEX);
}

export async function mintSessionId(caller: Caller): Promise<string> {
  const random = hex(crypto.getRandomValues(new Uint8Array(RANDOM_HEX / 2)));
  return random + (await ownerTag(random, caller));
}

export async function sessionBelongsTo(sessionId: string, caller: Caller): Promise<boolean> {
  if (!SESSION_ID.test(sessionId)) return false;
  const random = sessionId.slice(0, RANDOM_HEX);
  return sessionId.slice(RANDOM_HEX) === (await ownerTag(random, caller));
}
// #endregion sse-session-binding

const plain = (status: number, message: string) =>
  new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

/** GET <path>: open a new event stream, in a session minted for this user and client. */
export async function openSseSession(path: string, request: Request, env: ServerEnv, ctx: ExecutionContext, caller: Caller): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== path) return plain(404, `Not found. The legacy SSE stream is GET ${path}.`);
  if (url.searchParams.has('sessionId')) {
    return plain(400, `A session cannot be chosen by the client: open GET ${path} without sessionId and use the endpoint it sends.`);
  }
  const sessionId = await mintSessionId(caller);
  url.searchParams.set('sessionId', sessionId);
  const response = await legacySseHandler(path).fetch(new Request(url, request), env, ctx);
  if (response.status !== 200 || !response.body) return response;
  return new Response(endingTheSessionOnHangUp(response.body, env, ctx, sessionId), response);
}

/**
 * How often the stream carries an SSE comment when nothing else is sent. A client that went away
 * is noticed only when something is written to it; the comment makes that happen (and keeps idle
 * connections open through proxies). Clients ignore comments.
 */
export const KEEP_ALIVE_SECONDS = 30;
const KEEP_ALIVE = new TextEncoder().encode(': keep-alive\n\n');

/**
 * The stream as the client reads it. When the client goes away (the runtime cancels the response
 * body, at the latest at the next keep-alive), the session is told, and deletes itself
 * (mcp/sse.ts); `McpAgent.serveSSE` alone would notice nothing and keep the session's storage
 * forever. The library's own stream is read to its end rather than cancelled: it is closed from the
 * session's side, and writing into a cancelled stream would only log errors.
 */
function endingTheSessionOnHangUp(body: ReadableStream<Uint8Array>, env: ServerEnv, ctx: ExecutionContext, sessionId: string) {
  const reader = body.getReader();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // The library writes each event whole, so a comment never lands inside one.
      keepAlive = setInterval(() => {
        try {
          controller.enqueue(KEEP_ALIVE);
        } catch {
          clearInterval(keepAlive); // the stream has ended
        }
      }, KEEP_ALIVE_SECONDS * 1000);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) return controller.enqueue(value);
      clearInterval(keepAlive);
      controller.close();
    },
    cancel() {
      clearInterval(keepAlive);
      ctx.waitUntil(
        Promise.all([
          legacySseSession(env, sessionId).then((session) => session.endStream()),
          (async () => {
            while (!(await reader.read()).done);
          })(),
        ]).catch((error: unknown) => console.error('ending a legacy SSE session failed', error)),
      );
    },
  });
}

/** POST <path>/message?sessionId=…: one JSON-RPC message into the caller's own session. */
export async function postToSseSession(
  path: string,
  request: Request,
  body: string,
  env: ServerEnv,
  caller: Caller,
): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== `${path}/message`) return plain(404, 'Not found. Post messages to the endpoint the SSE stream announced.');
  const sessionId = url.searchParams.get('sessionId') ?? '';
  const unknownSession = () => plain(404, `Unknown session. Open a new stream with GET ${path}.`);
  if (!(await sessionBelongsTo(sessionId, caller))) return unknownSession();
  const headers = Object.fromEntries(request.headers);
  headers[CALLER_HEADER] = JSON.stringify(caller); // replaces any copy the client sent
  // Handed to the session directly rather than through McpAgent.serveSSE's POST handler, which
  // answers 202 even when the session's stream is gone (the answer would go nowhere).
  const session = await legacySseSession(env, sessionId);
  const delivery = await session.receive(JSON.parse(body), headers);
  if (delivery.delivered) return plain(202, 'Accepted');
  // A session whose stream closed is gone for good (its storage is deleted): the same answer as
  // for an id that never existed.
  if (delivery.reason === 'no-stream') return unknownSession();
  return plain(400, delivery.message);
}
