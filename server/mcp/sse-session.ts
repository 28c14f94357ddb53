import type { ServerEnv } from '../env';
import { withBody } from '../http/body';
import { CALLER_HEADER, legacySseHandler } from './sse';
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
  url.searchParams.set('sessionId', await mintSessionId(caller));
  return legacySseHandler(path).fetch(new Request(url, request), env, ctx);
}

/** POST <path>/message?sessionId=…: one JSON-RPC message into the caller's own session. */
export async function postToSseSession(
  path: string,
  request: Request,
  body: string,
  env: ServerEnv,
  ctx: ExecutionContext,
  caller: Caller,
): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== `${path}/message`) return plain(404, 'Not found. Post messages to the endpoint the SSE stream announced.');
  const sessionId = url.searchParams.get('sessionId') ?? '';
  if (!(await sessionBelongsTo(sessionId, caller))) {
    return plain(404, `Unknown session. Open a new stream with GET ${path}.`);
  }
  const headers = new Headers(request.headers);
  headers.set('content-type', 'application/json');
  headers.set(CALLER_HEADER, JSON.stringify(caller)); // replaces any copy the client sent
  return legacySseHandler(path).fetch(withBody(request, body, headers), env, ctx);
}
