import type { Opened, Recorder, Sent } from './capture';
import { parseSse, SseParser, type SseEvent } from './sse';

/**
 * The MCP part of the in-page client: JSON-RPC over either HTTP transport, with the bearer token
 * on every request (MCP authorization, "Token Requirements").
 *   - Streamable HTTP: each message is a POST to the endpoint; the answer is the POST's response,
 *     as JSON or as a short event stream.
 *   - Legacy HTTP+SSE: a GET opens a long-lived event stream whose first event names a message
 *     URL; each message is POSTed there (202 Accepted) and its answer arrives on the stream.
 */
export const PROTOCOL_VERSION = '2025-11-25';
/** The revisions the in-page client speaks: 2025-11-25 with its initialize handshake, 2026-07-28 stateless. */
export const PROTOCOL_REVISIONS = ['2025-11-25', '2026-07-28'] as const;
export type ProtocolRevision = (typeof PROTOCOL_REVISIONS)[number];
export const STATELESS_REVISION: ProtocolRevision = '2026-07-28';
const CLIENT_INFO = { name: 'mcp-auth-lab-page', title: 'MCP Auth Lab (in your browser)', version: '1.0.0' };

export interface JsonRpcReply {
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface RpcOutcome {
  /** The POST that carried the message. */
  sent: Sent;
  /** The JSON-RPC answer, when the POST was accepted and one came. */
  reply?: JsonRpcReply;
}

export interface McpConnection {
  /**
   * `token` undefined: a request without credentials (the first one, which gets the 401). `id`:
   * the request's JSON-RPC id, when the caller chose one (the tool playground does); otherwise the
   * connection numbers its requests.
   */
  request(method: string, params: Record<string, unknown> | undefined, token: string | undefined, id?: number | string): Promise<RpcOutcome>;
  notify(method: string, token: string, params?: Record<string, unknown>): Promise<RpcOutcome>;
  /**
   * Legacy SSE: every message the server sends on the stream that answers no request
   * (notifications/progress, …), as it arrives. On Streamable HTTP they come in a POST's own
   * response instead, so this never calls back there.
   */
  listen(callback: (message: Record<string, unknown>) => void): () => void;
  close(): void;
  /** Legacy SSE: the URL the stream named for this session's messages (it carries the session id). */
  readonly messageUrl?: string;
}

export const initializeParams = () => ({ protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO });

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Streamable HTTP. `MCP-Protocol-Version` is sent once initialize has agreed on one. */
export function streamableHttp(recorder: Recorder, endpoint: string, signal: AbortSignal): McpConnection {
  let nextId = 1;
  let protocolVersion: string | undefined;
  let sessionId: string | undefined; // only servers that keep sessions send one; this lab's /mcp does not
  const post = async (message: Record<string, unknown>, token: string | undefined) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (protocolVersion) headers['MCP-Protocol-Version'] = protocolVersion;
    if (sessionId) headers['Mcp-Session-Id'] = sessionId;
    return recorder.send('mcp', endpoint, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', ...message }), signal });
  };
  return {
    async request(method, params, token, chosenId) {
      const id = chosenId ?? nextId++;
      const sent = await post({ id, method, ...(params && { params }) }, token);
      if (!sent.exchange.status || sent.exchange.status >= 300) return { sent };
      const messages = sent.header('content-type')?.startsWith('text/event-stream')
        ? parseSse(sent.text).map((event) => json(event.data))
        : [json(sent.text)];
      const reply = messages.find((message): message is JsonRpcReply => (message as JsonRpcReply)?.id === id);
      if (method === 'initialize' && typeof reply?.result?.protocolVersion === 'string') {
        protocolVersion = reply.result.protocolVersion;
        sessionId = sent.header('mcp-session-id') ?? undefined;
      }
      return { sent, reply };
    },
    notify: (method, token, params) => post({ method, ...(params && { params }) }, token).then((sent) => ({ sent })),
    listen: () => () => {},
    close() {},
  };
}

/**
 * 2026-07-28 puts in every request what the handshake used to agree once: the protocol version,
 * the client's capabilities and who it is, in `params._meta` (Versioning, "Request metadata").
 */
export function withRequestMeta(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const meta = (params?._meta as Record<string, unknown> | undefined) ?? {};
  return { ...params, _meta: { ...meta, ...requestMeta(STATELESS_REVISION, CLIENT_INFO) } };
}

/** The per-request metadata keys of 2026-07-28 and later; `clientInfo` is a SHOULD, left out when not given. */
export function requestMeta(protocolVersion: string, clientInfo?: { name: string; version: string }): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': protocolVersion,
    'io.modelcontextprotocol/clientCapabilities': {},
    ...(clientInfo && { 'io.modelcontextprotocol/clientInfo': clientInfo }),
  };
}

/**
 * The headers 2026-07-28 requires on every POST (Streamable HTTP, "Request Metadata"), mirrored
 * from the body so intermediaries can route without parsing it: the version, the method, and for
 * `tools/call` the tool's name. Read from the message as sent, so a body edited by hand gets
 * headers that say what it says (and a server that checks them, the mismatch it would see).
 */
export function requestMetaHeaders(message: unknown): Record<string, string> {
  const body = (message && typeof message === 'object' ? message : {}) as { method?: unknown; params?: { name?: unknown; uri?: unknown; _meta?: Record<string, unknown> } };
  const version = body.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
  const headers: Record<string, string> = { 'MCP-Protocol-Version': typeof version === 'string' ? version : STATELESS_REVISION };
  if (typeof body.method === 'string') headers['Mcp-Method'] = body.method;
  const name = body.params?.name ?? body.params?.uri;
  if (typeof name === 'string') headers['Mcp-Name'] = mcpHeaderValue(name);
  return headers;
}

/** Header values must be visible ASCII without edge whitespace; anything else goes as `=?base64?…?=` (Streamable HTTP, "Value Encoding"). */
export function mcpHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value);
  const looksEncoded = value.startsWith('=?base64?') && value.endsWith('?=');
  if (plain && !looksEncoded) return value;
  return `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(value)))}?=`;
}

/**
 * Streamable HTTP as 2026-07-28 has it: stateless, no initialize, no session. Each request carries
 * its own metadata (`_meta` and the mirrored headers); the answer is the POST's response.
 */
export function statelessHttp(recorder: Recorder, endpoint: string, signal: AbortSignal): McpConnection {
  let nextId = 1;
  const post = (message: Record<string, unknown>, token: string | undefined) => {
    const body = { jsonrpc: '2.0', ...message };
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...requestMetaHeaders(body) };
    if (token) headers.Authorization = `Bearer ${token}`;
    return recorder.send('mcp', endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal });
  };
  return {
    async request(method, params, token, chosenId) {
      const id = chosenId ?? nextId++;
      const sent = await post({ id, method, params: withRequestMeta(params) }, token);
      if (!sent.exchange.status || sent.exchange.status >= 300) return { sent };
      const messages = sent.header('content-type')?.startsWith('text/event-stream') ? parseSse(sent.text).map((event) => json(event.data)) : [json(sent.text)];
      return { sent, reply: messages.find((message): message is JsonRpcReply => (message as JsonRpcReply)?.id === id) };
    },
    notify: (method, token, params) => post({ method, ...(params && { params }) }, token).then((sent) => ({ sent })),
    listen: () => () => {},
    close() {},
  };
}

/**
 * Legacy HTTP+SSE. EventSource cannot send an Authorization header, so the stream is read with
 * fetch. Resolves once the stream has named its message endpoint; `opened` is the GET, which keeps
 * growing as answers arrive.
 */
export async function openSse(
  recorder: Recorder,
  endpoint: string,
  token: string,
  signal: AbortSignal,
): Promise<{ opened: Opened; connection?: McpConnection; problem?: string }> {
  const closer = new AbortController();
  const abort = () => closer.abort();
  signal.addEventListener('abort', abort, { once: true });
  const opened = await recorder.open('mcp', endpoint, {
    headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` },
    signal: closer.signal,
  });
  if (!opened.reader) return { opened };

  const waiting = new Map<string, (reply: JsonRpcReply) => void>();
  const listeners = new Set<(message: Record<string, unknown>) => void>();
  let endReason: string | null = null;
  const onEnd: ((reason: string) => void)[] = [];
  const whenEnded = (callback: (reason: string) => void) => (endReason === null ? onEnd.push(callback) : callback(endReason));
  let endpointFound: (url: string) => void;
  const messageUrl = new Promise<string | null>((resolve) => {
    endpointFound = resolve;
    whenEnded(() => resolve(null));
  });
  const dispatch = (event: SseEvent) => {
    if (event.event === 'endpoint') return endpointFound(new URL(event.data, endpoint).href);
    const message = json(event.data) as (JsonRpcReply & { method?: unknown }) | undefined;
    if (typeof message?.method === 'string' && message.id === undefined) listeners.forEach((listener) => listener(message as Record<string, unknown>));
    else if (typeof message?.id === 'number' || typeof message?.id === 'string') waiting.get(String(message.id))?.(message);
  };
  void (async () => {
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let reason = 'the server closed the event stream';
    try {
      for (;;) {
        const { value, done } = await opened.reader!.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        opened.grew(text);
        parser.push(text).forEach(dispatch);
      }
    } catch (error) {
      reason = closer.signal.aborted ? 'the client closed the event stream' : String(error);
    }
    endReason = reason;
    onEnd.splice(0).forEach((callback) => callback(reason));
  })();

  const close = () => {
    signal.removeEventListener('abort', abort);
    closer.abort();
  };
  const url = await messageUrl;
  if (!url) return { opened, problem: 'The event stream ended before it named a message endpoint.' };

  let nextId = 1;
  const post = (message: Record<string, unknown>, token: string | undefined) =>
    recorder.send('mcp', url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      signal,
    });
  const connection: McpConnection = {
    async request(method, params, token, chosenId) {
      const id = chosenId ?? nextId++;
      const answered = new Promise<JsonRpcReply>((resolve) => {
        waiting.set(String(id), resolve);
        whenEnded((reason) => resolve({ id, error: { code: -32000, message: `No answer: ${reason}.` } }));
      });
      const sent = await post({ id, method, ...(params && { params }) }, token);
      if (!sent.exchange.status || sent.exchange.status >= 300) {
        waiting.delete(String(id));
        return { sent };
      }
      const reply = await answered;
      waiting.delete(String(id));
      return { sent, reply };
    },
    notify: (method, token, params) => post({ method, ...(params && { params }) }, token).then((sent) => ({ sent })),
    listen(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    close,
    messageUrl: url,
  };
  return { opened, connection };
}
