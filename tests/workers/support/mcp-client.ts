import { EventReader, readAllEvents } from './sse-events';
import { callWorker } from './worker';

/**
 * MCP JSON-RPC over both transports, by hand: Streamable HTTP (`POST /mcp`, answered as JSON or
 * as an SSE-framed stream) and the legacy HTTP+SSE transport (`GET /sse`, then POSTs to the
 * endpoint it announces, with every answer arriving on the stream).
 */
export const ACCEPT = 'application/json, text/event-stream';
/** A 2025 client: the server answers it on its stateless compatibility lane. */
export const PROTOCOL_VERSION = '2025-11-25';
const CLIENT_INFO = { name: 'workers-test', version: '1.0.0' };

export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: unknown };
}

let nextId = 1;
export const rpc = (method: string, params: Record<string, unknown> = {}): JsonRpcMessage => ({ jsonrpc: '2.0', id: nextId++, method, params });

export const initializeRequest = () =>
  rpc('initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO });

export const toolCall = (name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) =>
  rpc('tools/call', { name, arguments: args, ...(meta && { _meta: meta }) });

/** Every JSON-RPC message in a response body, whichever framing the server chose. */
export async function messagesOf(response: Response): Promise<JsonRpcMessage[]> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream') && response.body) {
    return (await readAllEvents(response.body)).map((event) => JSON.parse(event.data) as JsonRpcMessage);
  }
  if (type.includes('application/json')) {
    const value = (await response.json()) as JsonRpcMessage | JsonRpcMessage[];
    return Array.isArray(value) ? value : [value];
  }
  return [];
}

export interface McpPostOptions {
  token?: string | null;
  headers?: Record<string, string>;
  path?: string;
}

/** One POST to a Streamable HTTP endpoint: the raw response, and the messages it carried. */
export async function postMcp(body: JsonRpcMessage | JsonRpcMessage[] | string, { token, headers = {}, path = '/mcp' }: McpPostOptions = {}) {
  const response = await callWorker(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': PROTOCOL_VERSION,
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
  });
  return { response, messages: response.ok ? await messagesOf(response) : [] };
}

/** The answer to `request` among the messages (skipping notifications such as progress). */
export function answerTo(request: JsonRpcMessage, messages: JsonRpcMessage[]): JsonRpcMessage {
  const answer = messages.find((message) => message.id === request.id && !message.method);
  if (!answer) throw new Error(`no answer to ${request.method} #${request.id} in ${JSON.stringify(messages).slice(0, 500)}`);
  return answer;
}

/** Streamable HTTP: a request and its answer, failing loudly on anything but HTTP 200. */
export async function mcpRequest(token: string, request: JsonRpcMessage) {
  const { response, messages } = await postMcp(request, { token });
  if (response.status !== 200) throw new Error(`${request.method}: HTTP ${response.status} ${await response.text()}`);
  return { answer: answerTo(request, messages), messages };
}

/** A legacy HTTP+SSE session: the open stream and the message endpoint it announced. */
export class LegacySseConnection {
  private constructor(
    readonly response: Response,
    readonly events: EventReader,
    /** Path and query of the message endpoint, e.g. `/sse/message?sessionId=…`. */
    readonly endpoint: string,
    private readonly token: string,
  ) {}

  static async open(token: string): Promise<LegacySseConnection> {
    const response = await callWorker('/sse', { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    if (response.status !== 200 || !response.body) throw new Error(`GET /sse: HTTP ${response.status} ${await response.text()}`);
    const events = new EventReader(response.body);
    const endpoint = await events.until((event) => event.event === 'endpoint');
    return new LegacySseConnection(response, events, endpoint.data, token);
  }

  get sessionId(): string {
    return new URL(this.endpoint, 'https://x').searchParams.get('sessionId') ?? '';
  }

  /** POSTs one message to the endpoint (with this session's token unless another is given). */
  post(message: JsonRpcMessage | string, token = this.token, headers: Record<string, string> = {}) {
    return callWorker(this.endpoint, {
      method: 'POST',
      body: typeof message === 'string' ? message : JSON.stringify(message),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    });
  }

  /** Sends a request and reads the stream until its answer; notifications seen meanwhile are kept. */
  async request(request: JsonRpcMessage) {
    const posted = await this.post(request);
    if (posted.status !== 202) throw new Error(`${request.method}: HTTP ${posted.status} ${await posted.text()}`);
    const notifications: JsonRpcMessage[] = [];
    for (;;) {
      const event = await this.events.until((candidate) => candidate.event === 'message');
      const message = JSON.parse(event.data) as JsonRpcMessage;
      if (message.id === request.id && !message.method) return { answer: message, notifications };
      notifications.push(message);
    }
  }

  async initialize() {
    const { answer } = await this.request(initializeRequest());
    const initialized = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (initialized.status !== 202) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
    return answer;
  }

  close() {
    return this.events.close();
  }
}
