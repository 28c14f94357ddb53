import { Recorder } from '../flow/capture';
import { parseBearerChallenge, type BearerChallenge } from '../flow/challenge';
import { initializeParams, openSse, PROTOCOL_VERSION, type McpConnection } from '../flow/mcp';
import { parseSse } from '../flow/sse';
import type { CapturedExchange, Transport } from '../flow/types';

/**
 * ADAPTER over the engine's modules (site/flow/), for the "Try tool calls" editor: the engine's
 * FlowRun has no way to send a learner-written JSON-RPC message, so this sends one with the
 * engine's own Recorder (every request is captured like the run's) and MCP transports, using the
 * access token the run obtained, read from the run's own captured token response.
 *
 *   - Streamable HTTP: the learner's text is POSTed as written, so a typo gets the server's real
 *     parse error.
 *   - Legacy SSE: a session is opened (GET /sse, initialize) with the current token and reused;
 *     the reply and any progress notifications arrive on that stream.
 */
export interface ToolCallResult {
  /** The POST that carried the request. */
  exchange: CapturedExchange;
  status: number | null;
  /** The JSON-RPC answer, if one came. */
  reply?: unknown;
  /** notifications/progress messages that came with it, in order. */
  progress: { progress: number; total?: number; message?: string }[];
  /** The WWW-Authenticate challenge of a 401 or 403. */
  challenge: BearerChallenge | null;
  /** Why the request could not be sent (not JSON, no token). */
  problem?: string;
}

/** The newest access token the page received: from its own (unredacted) token responses. */
export function latestAccessToken(exchanges: CapturedExchange[]): string | null {
  let latest: { at: number; token: string } | null = null;
  for (const exchange of exchanges) {
    if (exchange.source !== 'page' || exchange.status !== 200 || !exchange.responseBody?.includes('access_token')) continue;
    try {
      const token = (JSON.parse(exchange.responseBody) as { access_token?: unknown }).access_token;
      if (typeof token === 'string' && (!latest || exchange.startedAt >= latest.at)) latest = { at: exchange.startedAt, token };
    } catch {
      // not a JSON token response
    }
  }
  return latest?.token ?? null;
}

const progressOf = (messages: unknown[], token: unknown) =>
  messages
    .filter((message): message is { method: string; params: { progressToken: unknown; progress: number; total?: number; message?: string } } => {
      const candidate = message as { method?: unknown; params?: { progressToken?: unknown } };
      return candidate?.method === 'notifications/progress' && (token === undefined || candidate.params?.progressToken === token);
    })
    .map(({ params }) => ({ progress: params.progress, total: params.total, message: params.message }));

const jsonOf = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export class ToolClient {
  readonly #recorder: Recorder;
  readonly #serverUrl: string;
  readonly #transport: Transport;
  readonly #abort = new AbortController();
  #sse: { token: string; connection: McpConnection; streamId: string } | null = null;
  readonly #latest: Map<string, CapturedExchange> = new Map();

  /** `serverUrl`: the MCP endpoint the run authorized for (its token is valid there only). */
  constructor(options: { serverUrl: string; transport: Transport; traceId: string; record(exchange: CapturedExchange): void }) {
    this.#serverUrl = options.serverUrl;
    this.#transport = options.transport;
    this.#recorder = new Recorder({
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      traceId: options.traceId,
      emit: (exchange) => {
        this.#latest.set(exchange.id, exchange);
        options.record({ ...exchange, id: `tool-${exchange.id}` });
      },
    });
  }

  async send(text: string, token: string | null): Promise<ToolCallResult> {
    if (!token) throw new Error('There is no access token: run the flow first.');
    return this.#transport === 'sse' ? this.#sendOverSse(text, token) : this.#sendStreamable(text, token);
  }

  close(): void {
    this.#abort.abort();
    this.#sse?.connection.close();
    this.#sse = null;
  }

  async #sendStreamable(text: string, token: string): Promise<ToolCallResult> {
    const sent = await this.#recorder.send('mcp', this.#serverUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${token}`,
        'MCP-Protocol-Version': PROTOCOL_VERSION,
      },
      body: text,
      signal: this.#abort.signal,
    });
    const request = jsonOf(text) as { id?: unknown; params?: { _meta?: { progressToken?: unknown } } } | undefined;
    const messages = sent.header('content-type')?.startsWith('text/event-stream') ? parseSse(sent.text).map((event) => jsonOf(event.data)) : [jsonOf(sent.text)];
    const reply = messages.find((message) => (message as { id?: unknown })?.id !== undefined && !(message as { method?: unknown }).method) ?? messages.at(-1);
    return {
      exchange: { ...sent.exchange, id: `tool-${sent.exchange.id}` },
      status: sent.exchange.status,
      reply,
      progress: progressOf(messages, request?.params?._meta?.progressToken),
      challenge: parseBearerChallenge(sent.header('www-authenticate')),
    };
  }

  async #sendOverSse(text: string, token: string): Promise<ToolCallResult> {
    const message = jsonOf(text) as { method?: unknown; params?: Record<string, unknown> & { _meta?: { progressToken?: unknown } } } | undefined;
    if (!message || typeof message.method !== 'string') {
      throw new Error('Over the legacy SSE transport this editor sends a parsed message: write a JSON object with a "method".');
    }
    if (this.#sse?.token !== token) {
      this.#sse?.connection.close();
      this.#sse = null;
      const { opened, connection, problem } = await openSse(this.#recorder, this.#serverUrl, token, this.#abort.signal);
      if (!connection) {
        return { exchange: opened.exchange, status: opened.exchange.status, progress: [], challenge: parseBearerChallenge(opened.header('www-authenticate')), problem };
      }
      await connection.request('initialize', initializeParams(), token);
      await connection.notify('notifications/initialized', token);
      this.#sse = { token, connection, streamId: opened.exchange.id };
    }
    const { sent, reply } = await this.#sse.connection.request(message.method, message.params, token);
    const stream = this.#latest.get(this.#sse.streamId);
    const streamed = stream?.responseBody ? parseSse(stream.responseBody).map((event) => jsonOf(event.data)) : [];
    return {
      exchange: { ...sent.exchange, id: `tool-${sent.exchange.id}` },
      status: sent.exchange.status,
      reply,
      progress: progressOf(streamed, message.params?._meta?.progressToken),
      challenge: parseBearerChallenge(sent.header('www-authenticate')),
    };
  }
}
