import type { ActorId, CapturedExchange } from '../../server/lab/exchange';

/**
 * The page's own HTTP, captured: every request the in-page client makes goes through `send` (or
 * `open`, for a response that stays open as a stream) and becomes a CapturedExchange, emitted the
 * moment its response is read. Nothing is redacted: these are the learner's own requests.
 * A failure to connect (network error, CORS refusal) is an exchange too, with `status: null`.
 */
export interface Sent {
  exchange: CapturedExchange;
  /** The response body as text ('' when there was no response). */
  text: string;
  /** A response header, or null. */
  header(name: string): string | null;
}

export interface Opened extends Sent {
  /** The still-open body: read it, then call `grew(text)` for each piece so the exchange keeps up. */
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  grew(text: string): void;
}

export class Recorder {
  #count = 0;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #traceId: string;
  readonly #emit: (exchange: CapturedExchange) => void;

  constructor(options: { fetch: typeof fetch; now: () => number; traceId?: string; emit: (exchange: CapturedExchange) => void }) {
    this.#fetch = options.fetch;
    this.#now = options.now;
    this.#traceId = options.traceId ?? '';
    this.#emit = options.emit;
  }

  /** One request and its whole response. */
  async send(to: ActorId, url: string, init: RequestInit = {}, from: ActorId = 'client'): Promise<Sent> {
    const { exchange, response } = await this.#start(to, url, init, from);
    return this.#read(exchange, response);
  }

  async #read(exchange: CapturedExchange, response: Response | null): Promise<Sent> {
    if (!response) return this.#finish(exchange, '', null);
    const text = await response.text().catch((error: unknown) => `[the body failed: ${describe(error)}]`);
    return this.#finish({ ...exchange, endedAt: this.#now() }, text, response);
  }

  /**
   * A request whose response is a stream that stays open (GET /sse): the exchange is emitted once
   * the headers arrive, and again, replacing itself, each time `grew` adds what was read.
   */
  async open(to: ActorId, url: string, init: RequestInit = {}): Promise<Opened> {
    const { exchange: started, response } = await this.#start(to, url, init);
    // Refused (401, 403…): the body is a short error document, not a stream. Read it whole.
    if (!response?.ok) return { ...(await this.#read(started, response)), reader: null, grew: () => {} };
    const sent = this.#finish(started, '', response);
    let exchange = sent.exchange;
    return {
      ...sent,
      reader: response?.body?.getReader() ?? null,
      grew: (text) => {
        exchange = { ...exchange, responseBody: (exchange.responseBody ?? '') + text, endedAt: this.#now() };
        this.#emit(exchange);
      },
    };
  }

  async #start(to: ActorId, url: string, init: RequestInit, from: ActorId = 'client') {
    const headers = new Headers(init.headers);
    const requestBody = typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : null;
    const exchange: CapturedExchange = {
      id: `page-${++this.#count}`,
      traceId: this.#traceId,
      source: 'page',
      channel: 'api',
      from,
      to,
      method: init.method ?? 'GET',
      url,
      status: null,
      requestHeaders: [...headers],
      requestBody,
      responseHeaders: [],
      responseBody: null,
      startedAt: this.#now(),
      endedAt: 0,
      redacted: [],
    };
    try {
      const response = await this.#fetch(url, { ...init, headers });
      return {
        exchange: { ...exchange, status: response.status, responseHeaders: [...response.headers], endedAt: this.#now() },
        response,
      };
    } catch (error) {
      return { exchange: { ...exchange, endedAt: this.#now(), error: describe(error) }, response: null };
    }
  }

  #finish(exchange: CapturedExchange, text: string, response: Response | null): Sent {
    const done = { ...exchange, responseBody: response ? text : null };
    this.#emit(done);
    return { exchange: done, text, header: (name) => response?.headers.get(name) ?? null };
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
