import { Recorder } from '../flow/capture';
import { parseBearerChallenge, type BearerChallenge } from '../flow/challenge';
import { initializeParams, openSse, PROTOCOL_VERSION, requestMetaHeaders, STATELESS_REVISION, withRequestMeta, type JsonRpcReply, type McpConnection, type ProtocolRevision } from '../flow/mcp';
import { SseParser } from '../flow/sse';
import type { CapturedExchange, Transport } from '../flow/types';
import { toolsFromList, ToolListError, type PlaygroundTool } from './tool-catalog';

/**
 * The playground's MCP client: sends the learner's own JSON-RPC text with the access token the
 * player obtained, through the flow engine's Recorder (so every request joins the trace and the
 * diagram like the run's own) and its transports.
 *
 *   - Streamable HTTP: the text is POSTed exactly as written (a typo gets the server's real parse
 *     error), and a streamed answer is read as it arrives, so progress shows live.
 *   - Legacy HTTP+SSE: a session is opened with the token (GET /sse, initialize) and kept while the
 *     token stays the same; progress and the answer arrive on that stream.
 *
 * Cancel sends `notifications/cancelled` for the request (MCP "Cancellation") and stops waiting:
 * the spec tells the sender to ignore any answer that still comes.
 */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOutcome {
  /** The POST that carried the request (null when it could not be sent). */
  exchange: CapturedExchange | null;
  status: number | null;
  /** The JSON-RPC answer, when one came. */
  reply?: JsonRpcReply;
  /** The WWW-Authenticate challenge of a 401 or 403. */
  challenge: BearerChallenge | null;
  progress: Progress[];
  /** The learner cancelled it before an answer came. */
  cancelled: boolean;
  /** Why there is no answer: not sent (no token, not JSON) or the stream ended. */
  problem?: string;
}

export interface RunningCall {
  done: Promise<CallOutcome>;
  /** Sends notifications/cancelled and stops waiting. Does nothing once the call is done. */
  cancel(): Promise<void>;
}

type Parsed = { id?: unknown; method?: unknown; params?: Record<string, unknown> & { _meta?: { progressToken?: unknown } } };

export const jsonOf = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const isRequestId = (id: unknown): id is string | number => typeof id === 'string' || typeof id === 'number';
const progressOf = (message: unknown, token: unknown): Progress | null => {
  const candidate = message as { method?: unknown; params?: { progressToken?: unknown; progress?: unknown; total?: unknown; message?: unknown } } | undefined;
  if (candidate?.method !== 'notifications/progress' || token === undefined || candidate.params?.progressToken !== token) return null;
  const { progress, total, message: text } = candidate.params;
  if (typeof progress !== 'number') return null;
  return { progress, ...(typeof total === 'number' && { total }), ...(typeof text === 'string' && { message: text }) };
};
const CANCEL_REASON = 'Cancelled from the tool playground.';

export class PlaygroundClient {
  readonly #recorder: Recorder;
  readonly #serverUrl: string;
  readonly #transport: Transport;
  /** 2026-07-28: each request gets its metadata (_meta and the Mcp-* headers), and Cancel only closes the stream. */
  readonly #stateless: boolean;
  readonly #abort = new AbortController();
  #sse: { token: string; connection: McpConnection } | null = null;
  #listId = 0;

  /** `serverUrl`: the MCP endpoint the token was issued for (it is refused anywhere else). */
  constructor(options: { serverUrl: string; transport: Transport; revision?: ProtocolRevision; traceId: string; record(exchange: CapturedExchange): void }) {
    this.#serverUrl = options.serverUrl;
    this.#transport = options.transport;
    this.#stateless = options.revision === STATELESS_REVISION;
    this.#recorder = new Recorder({
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      traceId: options.traceId,
      emit: (exchange) => options.record({ ...exchange, id: `tool-${exchange.id}` }),
    });
  }

  get serverUrl(): string {
    return this.#serverUrl;
  }
  get transport(): Transport {
    return this.#transport;
  }

  /** The endpoint's live tool list, or the outcome that says why there is none. */
  async listTools(token: string): Promise<{ tools: PlaygroundTool[] | null; outcome: CallOutcome }> {
    const request = JSON.stringify({ jsonrpc: '2.0', id: `list-${++this.#listId}`, method: 'tools/list' });
    const outcome = await this.call(request, token, () => {}).done;
    try {
      return { tools: outcome.reply ? toolsFromList(outcome.reply) : null, outcome };
    } catch (error) {
      if (error instanceof ToolListError) return { tools: null, outcome: { ...outcome, problem: error.message } };
      throw error;
    }
  }

  call(text: string, token: string | null, onProgress: (progress: Progress, all: Progress[]) => void): RunningCall {
    const parsed = jsonOf(text) as Parsed | undefined;
    const notSent = (problem: string): RunningCall => ({
      done: Promise.resolve({ exchange: null, status: null, challenge: null, progress: [], cancelled: false, problem }),
      cancel: async () => {},
    });
    if (!token) return notSent('There is no access token: run the flow first.');
    const progress: Progress[] = [];
    const collect = (message: unknown) => {
      const update = progressOf(message, parsed?.params?._meta?.progressToken);
      if (!update) return;
      progress.push(update);
      onProgress(update, progress);
    };
    if (this.#transport === 'sse') {
      if (!parsed || typeof parsed.method !== 'string') return notSent('Over legacy HTTP+SSE the client sends a parsed message: write a JSON object with a "method".');
      return this.#callOverSse(parsed, token, progress, collect);
    }
    return this.#callStreamable(text, parsed, token, progress, collect);
  }

  close(): void {
    this.#abort.abort();
    this.#sse?.connection.close();
    this.#sse = null;
  }

  #callStreamable(text: string, parsed: Parsed | undefined, token: string, progress: Progress[], collect: (message: unknown) => void): RunningCall {
    const stop = new AbortController();
    const onClose = () => stop.abort();
    this.#abort.signal.addEventListener('abort', onClose, { once: true });
    let cancelled = false;
    let finished = false;
    // 2026-07-28: the client adds what initialize used to agree (in _meta) and mirrors the body in
    // headers, as an SDK would; a text that is not a JSON object is sent as written.
    const withMeta = this.#stateless && parsed ? { ...parsed, params: withRequestMeta(parsed.params) } : undefined;
    const sentBody = withMeta ? JSON.stringify(withMeta) : text;
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${token}`,
      ...(this.#stateless ? requestMetaHeaders(withMeta ?? parsed) : { 'MCP-Protocol-Version': PROTOCOL_VERSION }),
    };
    const done = (async (): Promise<CallOutcome> => {
      const opened = await this.#recorder.open('mcp', this.#serverUrl, { method: 'POST', headers, body: sentBody, signal: stop.signal });
      const base = { exchange: opened.exchange, status: opened.exchange.status, challenge: parseBearerChallenge(opened.header('www-authenticate')), progress };
      if (!opened.reader) return { ...base, reply: jsonOf(opened.text) as JsonRpcReply | undefined, cancelled };
      const decoder = new TextDecoder();
      const streamed = opened.header('content-type')?.startsWith('text/event-stream') ?? false;
      const parser = new SseParser();
      let body = '';
      let reply: JsonRpcReply | undefined;
      try {
        for (;;) {
          const { value, done: ended } = await opened.reader.read();
          if (ended) break;
          const chunk = decoder.decode(value, { stream: true });
          opened.grew(chunk);
          body += chunk;
          if (!streamed) continue;
          for (const event of parser.push(chunk)) {
            const message = jsonOf(event.data) as (JsonRpcReply & { method?: unknown }) | undefined;
            if (message && message.method === undefined && (message.id === parsed?.id || parsed?.id === undefined)) reply = message;
            else collect(message);
          }
          if (reply) break;
        }
      } catch {
        // The stream was stopped (Cancel, or the page moved on): what was read is kept.
      }
      if (!streamed) reply = jsonOf(body) as JsonRpcReply | undefined;
      return { ...base, exchange: opened.exchange, reply, cancelled, ...(!reply && !cancelled && { problem: 'The answer stream ended without a result.' }) };
    })().finally(() => {
      finished = true;
      this.#abort.signal.removeEventListener('abort', onClose);
    });
    return {
      done,
      cancel: async () => {
        if (finished || cancelled) return;
        cancelled = true;
        // 2026-07-28 has no notifications/cancelled over Streamable HTTP: closing the stream is the cancellation.
        if (isRequestId(parsed?.id) && !this.#stateless) {
          await this.#recorder.send('mcp', this.#serverUrl, {
            method: 'POST',
            headers,
            body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: parsed.id, reason: CANCEL_REASON } }),
            signal: this.#abort.signal,
          });
        }
        stop.abort();
      },
    };
  }

  #callOverSse(parsed: Parsed, token: string, progress: Progress[], collect: (message: unknown) => void): RunningCall {
    let cancelled = false;
    let finished = false;
    let giveUp: (outcome: CallOutcome) => void = () => {};
    const stopped = new Promise<CallOutcome>((resolve) => (giveUp = resolve));
    let connection: McpConnection | null = null;
    const id = isRequestId(parsed.id) ? parsed.id : undefined;
    const answered = (async (): Promise<CallOutcome> => {
      const session = await this.#session(token);
      if (!('connection' in session)) return { ...session, progress, cancelled };
      const open = session.connection;
      connection = open;
      const unlisten = open.listen(collect);
      try {
        const { sent, reply } = await open.request(parsed.method as string, parsed.params, token, id);
        return { exchange: sent.exchange, status: sent.exchange.status, reply, challenge: parseBearerChallenge(sent.header('www-authenticate')), progress, cancelled };
      } finally {
        unlisten();
      }
    })();
    const done = Promise.race([answered, stopped]).finally(() => (finished = true));
    return {
      done,
      cancel: async () => {
        if (finished || cancelled || !connection) return;
        cancelled = true;
        await connection.notify('notifications/cancelled', token, { requestId: id ?? null, reason: CANCEL_REASON });
        giveUp({ exchange: null, status: null, challenge: null, progress, cancelled: true });
      },
    };
  }

  /** The legacy SSE session for this token: a session stays bound to the user who opened it. */
  async #session(token: string): Promise<{ connection: McpConnection } | Omit<CallOutcome, 'progress' | 'cancelled'>> {
    if (this.#sse?.token === token) return { connection: this.#sse.connection };
    this.#sse?.connection.close();
    this.#sse = null;
    const { opened, connection, problem } = await openSse(this.#recorder, this.#serverUrl, token, this.#abort.signal);
    if (!connection) {
      return { exchange: opened.exchange, status: opened.exchange.status, challenge: parseBearerChallenge(opened.header('www-authenticate')), problem: problem ?? 'The event stream could not be opened.' };
    }
    await connection.request('initialize', initializeParams(), token);
    await connection.notify('notifications/initialized', token);
    this.#sse = { token, connection };
    return { connection };
  }
}
