import { AsyncLocalStorage } from 'node:async_hooks';
import { AUTHORIZE_BASE, type RouteTable } from '../routes';
import { documentOwner, frontChannelTarget, providerRole } from './actors';
import type { LabEnv } from './env';
import type { ActorId, HeaderList } from './exchange';
import { redactExchange } from './redact';
import type { RecordedExchange } from './trace-session';

/**
 * Records what the page cannot see, for the trace whose cookie came with the request:
 *   - front channel: browser navigations (the popup's sign-in, consent, redirects, callback);
 *   - back channel: the Worker's own outgoing fetches while it handles a traced request;
 *   - the fetches of the Origin attack lab's foreign page, for the trace its attacker tag names.
 * A traced request runs inside an AsyncLocalStorage context, which is how the fetch wrapper knows
 * which trace an outgoing call belongs to. Recording happens after the response is returned
 * (`waitUntil`), and a failure to record is logged, never thrown into the request.
 */
export interface ActiveTrace {
  traceId: string;
  env: LabEnv;
  ctx: ExecutionContext;
  /** This Worker's public origin: a provider page that sends the browser back here works for the Worker. */
  origin: string;
  /** The client_id in the traced request's query: fetching that URL is a metadata document lookup. */
  clientId: string | null;
  /** The server's route table: which box each of its paths is (actors.ts). */
  routes: RouteTable;
  /** Who makes this request's outgoing calls: the MCP server for its endpoints, else the authorization server. */
  caller: ActorId;
  /**
   * Who those calls go to: `upstream`, a provider behind the Worker (options 2 and 3a, and the
   * tools that use the provider's token), or `as` for an endpoint whose tokens another
   * authorization server issues (option 3b: the MCP server fetches that server's keys).
   */
  callee: ActorId;
  /**
   * The request comes from the Origin attack lab's page of another origin (its attacker tag named
   * the trace, index.ts): recorded as the attacker's fetch, whatever kind of request it is.
   */
  byAttacker?: boolean;
}

const activeTrace = new AsyncLocalStorage<ActiveTrace>();

export const BODY_LIMIT_BYTES = 32 * 1024;
/**
 * A body still open after this long (an event stream, or one its reader never read: a copy can
 * only be read as fast as the original) is captured as far as it got.
 */
const STREAM_CAPTURE_MS = 5_000;

/** Runs the handler for a traced request, recording it if it is a front-channel navigation or the attacker's. */
export async function runTraced(trace: ActiveTrace, request: Request, handler: (request: Request) => Promise<Response>): Promise<Response> {
  installFetchRecorder();
  installSelfRecorder(trace.env);
  let capture: Capture | null = null;
  try {
    // The attacker's page reaches only MCP endpoints with its tag (index.ts); a navigation goes to the box of its path.
    const to = trace.byAttacker ? null : frontChannelTarget(request, new URL(request.url).pathname, trace.routes);
    const route: Route | null = trace.byAttacker ? { channel: 'api', from: 'attacker', to: 'mcp' } : to && { channel: 'front', from: 'browser', to };
    if (route) capture = startCapture(trace, route, request, edgeHeadersDropped(request.headers));
  } catch (error) {
    console.error('trace: could not start recording a request', error);
  }
  let response: Response;
  try {
    response = await activeTrace.run(trace, () => handler(request));
  } catch (error) {
    capture?.(null, error);
    throw error;
  }
  capture?.(response);
  return response;
}

type Route = Pick<RecordedExchange, 'channel' | 'from' | 'to'>;
type Capture = (response: Response | null, error?: unknown) => void;

/**
 * Starts capturing one exchange: reads a copy of the request body now (before the handler
 * consumes it) and returns the function that completes the record with the response. That
 * function never throws: the response goes on even if it cannot be recorded.
 */
function startCapture(trace: ActiveTrace, route: Route, request: Request, requestHeaders: HeaderList): Capture {
  const startedAt = Date.now();
  const requestBody = request.body ? captureText(request.clone()).catch(unreadable) : Promise.resolve(null);
  return (response: Response | null, error?: unknown) => {
    try {
      const responseCopy = response && response.status !== 101 && response.body ? response.clone() : null;
      const finished = (async (): Promise<RecordedExchange> => {
        const responseBody = responseCopy ? await captureText(responseCopy).catch(unreadable) : null;
        const body = await requestBody;
        return {
          ...route,
          ...(route.channel === 'back' && isClientMetadata(request.url, trace, responseBody) && { to: documentOwner(request.url, trace.origin) }),
          ...(route.channel === 'front' && route.to === 'upstream' && { to: providerRole(request.url, body, trace.origin, AUTHORIZE_BASE) }),
          method: request.method,
          url: request.url,
          status: response?.status ?? null,
          requestHeaders,
          requestBody: body,
          responseHeaders: response ? headerList(response.headers) : [],
          responseBody,
          startedAt,
          endedAt: Date.now(),
          redacted: [],
          ...(error !== undefined && { error: errorText(error) }),
        };
      })();
      trace.ctx.waitUntil(send(trace, finished));
    } catch (captureError) {
      console.error('trace: an exchange could not be recorded', captureError);
    }
  };
}

const unreadable = (error: unknown) => `[the body could not be read: ${errorText(error)}]`;

async function send(trace: ActiveTrace, finished: Promise<RecordedExchange>): Promise<void> {
  try {
    const exchange = await finished;
    const { value, redacted } = redactExchange(exchange);
    const stub = trace.env.LAB_TRACES.get(trace.env.LAB_TRACES.idFromName(trace.traceId));
    await stub.record({ ...exchange, ...value, redacted });
  } catch (error) {
    console.error('trace: an exchange could not be recorded', error);
  }
}

/** A fetched document whose client_id is its own URL is a Client ID Metadata Document. */
function isClientMetadata(url: string, trace: ActiveTrace, body: string | null): boolean {
  const same = (clientId: unknown) => {
    try {
      return typeof clientId === 'string' && new URL(clientId).href === url;
    } catch {
      return false;
    }
  };
  if (same(trace.clientId)) return true;
  try {
    return same(JSON.parse(body ?? '').client_id);
  } catch {
    return false;
  }
}

const RECORDER = Symbol.for('mcp-auth-lab.recording-fetch');
type TaggedFetch = typeof fetch & { [RECORDER]?: true };

/**
 * Wraps the global fetch so that calls made inside a traced context are recorded as back-channel
 * exchanges; outside one it is a direct pass-through. Installed on the first traced request, and
 * again if something has replaced `fetch` since (a test's stub, other instrumentation): it then
 * wraps whatever is there. The call itself runs outside the trace context, so a wrapper under
 * this one passes through instead of recording the same call twice.
 */
export function installFetchRecorder(): void {
  const inner = globalThis.fetch as TaggedFetch;
  if (inner[RECORDER]) return;
  globalThis.fetch = recordingFetch(inner, globalThis);
}

/**
 * The same for the Worker's binding to itself (`SELF`, server/upstream/upstream-fetch.ts), through
 * which it calls its own simulated providers: those calls are back-channel exchanges too. The
 * binding object is shared by every request (and by `env` from cloudflare:workers), so it is
 * wrapped once, in place.
 */
export function installSelfRecorder(env: LabEnv): void {
  const binding = env.SELF as (Fetcher & { fetch: TaggedFetch }) | undefined;
  if (!binding || binding.fetch[RECORDER]) return;
  binding.fetch = recordingFetch(binding.fetch, binding);
}

function recordingFetch(inner: TaggedFetch, self: unknown): TaggedFetch {
  return Object.assign(
    async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const trace = activeTrace.getStore();
      if (!trace) return inner.call(self, input, init);
      let request: Request;
      try {
        request = new Request(input, init);
      } catch {
        return inner.call(self, input, init); // let fetch itself report a bad request
      }
      let capture: Capture | null = null;
      try {
        capture = startCapture(trace, { channel: 'back', from: trace.caller, to: trace.callee }, request, headerList(request.headers));
      } catch (error) {
        console.error('trace: could not start recording an outgoing call', error);
      }
      let response: Response;
      try {
        response = await activeTrace.exit(() => inner.call(self, request));
      } catch (error) {
        capture?.(null, error);
        throw error;
      }
      capture?.(response);
      return response;
    },
    { [RECORDER]: true as const },
  );
}

function headerList(headers: Headers): HeaderList {
  const list: HeaderList = [];
  for (const [name, value] of headers) if (name !== 'set-cookie') list.push([name, value]);
  for (const value of headers.getSetCookie()) list.push(['set-cookie', value]);
  return list;
}

/** What the browser sent, without what Cloudflare's edge added on the way (cf-*, x-forwarded-*, …). */
function edgeHeadersDropped(headers: Headers): HeaderList {
  return headerList(headers).filter(([name]) => !/^(cf-|x-forwarded-|x-real-ip$|cdn-loop$)/.test(name));
}

const TEXT_TYPE = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

/**
 * A body as text, up to BODY_LIMIT_BYTES, with a marker when it was cut short, was still
 * streaming, or failed (the exchange is still worth showing). Binary bodies are named, not captured.
 */
async function captureText(message: { body: ReadableStream<Uint8Array> | null; headers: Headers }): Promise<string | null> {
  const body = message.body;
  if (!body) return null;
  const type = message.headers.get('content-type');
  if (type && !TEXT_TYPE.test(type)) {
    await body.cancel().catch(() => {});
    return `[${type} body, not captured]`;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  let note = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stillStreaming = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STREAM_CAPTURE_MS)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), stillStreaming]).catch((error: unknown) => {
        note = `\n… [the body failed here: ${errorText(error)}]`;
        return 'failed' as const;
      });
      if (next === 'failed') break;
      if (next === 'timeout') {
        note = `\n… [not finished after ${STREAM_CAPTURE_MS / 1000} s: captured what had arrived]`;
        break;
      }
      if (next.done) break;
      const room = BODY_LIMIT_BYTES - bytes;
      bytes += next.value.byteLength;
      if (next.value.byteLength > room) {
        text += decoder.decode(next.value.subarray(0, room));
        note = `\n… [truncated after ${BODY_LIMIT_BYTES} bytes]`;
        break;
      }
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  return text + decoder.decode() + note;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
