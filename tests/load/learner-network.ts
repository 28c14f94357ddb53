import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { kindOf, type RequestKind } from './figures.ts';

/**
 * Every HTTP request a simulated learner makes, wherever it is made: the flow engine's fetches,
 * the headless user's navigations (undici's `request`), the tool playground's fetches, and the
 * trace's WebSocket handshake. They all go through Node's global undici dispatcher, so this
 * replaces it with one that
 *   - adds the learner's own `CF-Connecting-IP`, the header the Worker keys its per-client rate
 *     limits on (locally it reaches the Worker as sent), so each learner is its own client;
 *   - records the request: its kind, status, and how long until the response was complete (until
 *     it opened, for the two streams that stay open: the trace's WebSocket and legacy SSE's GET;
 *     until its headers, for a body the client never read to the end).
 * Which learner is asking comes from an AsyncLocalStorage context set around the learner's run,
 * so the site's code runs unchanged, exactly as the page runs it.
 */
export interface LearnerIdentity {
  index: number;
  address: string;
}

export interface RequestRecord {
  learner: number;
  kind: RequestKind;
  method: string;
  path: string;
  /** HTTP status (101 for a WebSocket upgrade), once the response started; null when none came (yet). */
  status: number | null;
  /** Milliseconds until the response's headers. */
  headersMs: number | null;
  /**
   * Milliseconds until the response was complete, or until it opened for the streams that stay
   * open (the trace's WebSocket, legacy SSE's GET). Null while a body is still unread or open.
   */
  completeMs: number | null;
  /** Why no response came: a network error, or the request was stopped before an answer. */
  error?: string;
}

/** The latency a record stands for: until complete, else (a body never read to its end) until its headers. */
export const latencyOf = (record: RequestRecord): number | null => record.completeMs ?? record.headersMs;

const current = new AsyncLocalStorage<LearnerIdentity>();

/** Runs `work` as this learner: every request it makes, however deep, carries the learner's address and is recorded. */
export const asLearner = <T>(identity: LearnerIdentity, work: () => Promise<T>): Promise<T> => current.run(identity, work);

type Headers = Dispatcher.DispatchOptions['headers'];

/** The request's headers with CF-Connecting-IP set (replacing any the caller set). */
function withAddress(headers: Headers, address: string): Headers {
  const name = 'cf-connecting-ip';
  if (headers === undefined || headers === null) return { [name]: address };
  if (Array.isArray(headers)) {
    // Either [name, value, name, value…] or [[name, value], …].
    const pairs: [string, string][] = Array.isArray(headers[0])
      ? (headers as unknown as [string, string][])
      : Array.from({ length: headers.length / 2 }, (_, i) => [String(headers[2 * i]), String(headers[2 * i + 1])] as [string, string]);
    return Object.fromEntries([...pairs.filter(([key]) => key.toLowerCase() !== name), [name, address]]);
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return withAddress([...(headers as Iterable<[string, string]>)] as unknown as Headers, address);
  }
  const plain = Object.fromEntries(Object.entries(headers as Record<string, string | string[] | undefined>).filter(([key]) => key.toLowerCase() !== name));
  return { ...plain, [name]: address } as Headers;
}

/** Passes everything on to the real handler, noting on the record when the response starts and ends. */
class ObservedHandler implements Dispatcher.DispatchHandler {
  readonly #inner: Dispatcher.DispatchHandler;
  readonly #record: RequestRecord;
  readonly #started = performance.now();

  constructor(inner: Dispatcher.DispatchHandler, record: RequestRecord) {
    this.#inner = inner;
    this.#record = record;
  }

  #elapsed() {
    return performance.now() - this.#started;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown) {
    this.#inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[]>, socket: import('node:stream').Duplex) {
    this.#record.status = statusCode;
    this.#record.headersMs = this.#record.completeMs = this.#elapsed();
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[]>, statusMessage?: string) {
    this.#record.status = statusCode;
    this.#record.headersMs = this.#elapsed();
    // A GET answered with an event stream (legacy SSE) stays open for the session: done once open.
    if (this.#record.method === 'GET' && String(headers['content-type'] ?? '').startsWith('text/event-stream')) this.#record.completeMs = this.#record.headersMs;
    this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
    this.#inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[]>) {
    this.#record.completeMs ??= this.#elapsed();
    this.#inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error) {
    // After the headers, an error is the body being abandoned (the reader moved on): the status stands.
    if (this.#record.status === null) this.#record.error = `${error.name}: ${error.message}`;
    this.#inner.onResponseError?.(controller, error);
  }
}

export interface LearnerNetwork {
  readonly records: RequestRecord[];
  /** Stops every request still in flight (a cancelled run) and puts the previous dispatcher back. */
  close(): Promise<void>;
}

/** Installs the learners' dispatcher as Node's global one (fetch, undici, WebSocket all use it). */
export function installLearnerNetwork(): LearnerNetwork {
  const records: RequestRecord[] = [];
  const previous = getGlobalDispatcher();
  const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });
  const observed = agent.compose((dispatch) => (options, handler) => {
    const identity = current.getStore();
    if (!identity) return dispatch(options, handler); // the script's own requests (e.g. waiting for the server)
    const path = new URL(options.path, 'http://load.invalid').pathname;
    const method = options.method.toUpperCase();
    const record: RequestRecord = { learner: identity.index, kind: kindOf(method, path), method, path, status: null, headersMs: null, completeMs: null };
    records.push(record);
    return dispatch({ ...options, headers: withAddress(options.headers, identity.address) }, new ObservedHandler(handler, record));
  });
  setGlobalDispatcher(observed);
  return {
    records,
    async close() {
      setGlobalDispatcher(previous);
      await agent.destroy().catch(() => {});
    },
  };
}
