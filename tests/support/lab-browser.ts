import { request } from 'undici';
import { startTrace, withAttackerTag, type TraceConnection } from '../../site/flow/trace-client';
import type { CapturedExchange, ForeignRequest } from '../../site/flow/types';
import { CLIENT_ADDRESS_HEADER, newClientAddress } from './client-address.ts';
import { authorizeAsUser, CookieJar, type HeadlessUserOptions } from './headless-user.ts';

/**
 * A browser without a browser, as the flow player's page has one: a cookie jar (the trace cookie,
 * then the sign-ins), the page's fetches, the window's navigations, the trace stream the Worker
 * fills with what it saw, the Origin lab's foreign page, and the user in the authorization window.
 * The interop tests run the flow engine with it (tests/interop/flow-engine-support.ts), and so
 * does the load script's every learner (tests/load/learner.ts); it imports nothing of vitest, so
 * a plain Node script can use it. It imports the site's modules without extensions, as Vite does
 * (tests/load/run.ts registers a resolver for that in Node).
 */
export class LabBrowser {
  readonly origin: string;
  /**
   * Where this browser is on the network (sent as CF-Connecting-IP): the Worker counts
   * registrations and traces per address. A fresh one of its own unless the caller plans it.
   */
  readonly address: string;

  // Fields spelled out, not parameter properties: Node's type stripping (the load script) has none.
  constructor(origin: string, address: string = newClientAddress()) {
    this.origin = origin;
    this.address = address;
  }

  readonly jar = new CookieJar();
  readonly fromWorker = new Map<string, CapturedExchange>();
  readonly #workerListeners = new Set<(exchange: CapturedExchange) => void>();
  /** The window's navigations: each one the Worker records and streams back on the trace. */
  navigations = 0;
  traceId = '';
  attackerTag = '';

  /** The page's fetch: same origin, so cookies go along, and Origin on anything but GET, as browsers do. */
  readonly pageFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', this.jar.header());
    headers.set(CLIENT_ADDRESS_HEADER, this.address);
    if (init?.method && init.method !== 'GET') headers.set('origin', this.origin);
    const response = await fetch(input, { ...init, headers });
    this.jar.store(response);
    return response;
  };

  /**
   * A top-level navigation, as the browser makes it: `Sec-Fetch-Mode: navigate` tells the Worker
   * to record it. fetch() cannot send that (undici replaces it with `cors`), so this uses
   * undici's lower-level request, which sends headers as given and never follows redirects.
   */
  readonly navigate: typeof fetch = async (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers));
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const answer = await request(String(input), {
      method: (init?.method ?? 'GET') as 'GET',
      headers: { ...headers, cookie: this.jar.header(), [CLIENT_ADDRESS_HEADER]: this.address, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...(body !== undefined && { origin: this.origin }) },
      body,
    });
    this.navigations++;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) for (const one of [value ?? []].flat()) responseHeaders.append(name, one);
    const text = await answer.body.text();
    const response = new Response(answer.statusCode === 204 || answer.statusCode === 304 ? null : text, { status: answer.statusCode, headers: responseHeaders });
    this.jar.store(response);
    return response;
  };

  /**
   * Opens a trace as the player does (POST /lab/traces, then its event stream) and keeps what the
   * Worker streams in `fromWorker`. Returns the connection, for a caller that closes it.
   */
  async startTrace(): Promise<TraceConnection> {
    const { jar, origin } = this;
    // The browser sends its cookies and its Origin with the WebSocket handshake; Node's needs telling.
    class BrowserWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie: jar.header(), origin } } as never);
      }
    }
    const started = await startTrace(origin, this.pageFetch, BrowserWebSocket);
    if (!started.ok) throw new Error(`no trace: ${started.reason}`);
    this.traceId = started.trace.traceId;
    this.attackerTag = started.trace.attackerTag ?? '';
    started.trace.on((exchange) => {
      this.fromWorker.set(exchange.id, exchange);
      this.#workerListeners.forEach((listener) => listener(exchange));
    });
    return started.trace;
  }

  /** What the Worker recorded, the backlog first, then live (the engine's `workerRecords`). */
  readonly workerRecords = (listener: (exchange: CapturedExchange) => void): (() => void) => {
    this.fromWorker.forEach((exchange) => listener(exchange));
    this.#workerListeners.add(listener);
    return () => this.#workerListeners.delete(listener);
  };

  /**
   * A page of another origin, as a sandboxed frame is in Chromium (the player's
   * site/player/foreign-page.ts, which tests/e2e runs): `Origin: null`, no cookie, the trace's
   * attacker tag in the query; a request with a Content-Type no form could send is preceded by the
   * browser's preflight, and sent only if the server grants it; the page never reads an answer
   * unless the server grants that too.
   */
  readonly foreignPage = async (url: string, init: ForeignRequest): Promise<string> => {
    const tagged = withAttackerTag(url, this.attackerTag);
    const type = init.headers['Content-Type'] ?? 'text/plain';
    const safelisted = /^(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)\b/.test(type);
    if (init.mode === 'no-cors' && !safelisted) throw new Error('a no-cors request cannot carry that Content-Type');
    if (init.mode === 'cors' && !safelisted) {
      const preflight = await fetch(tagged, {
        method: 'OPTIONS',
        headers: { origin: 'null', [CLIENT_ADDRESS_HEADER]: this.address, 'access-control-request-method': init.method, 'access-control-request-headers': Object.keys(init.headers).map((name) => name.toLowerCase()).sort().join(',') },
      });
      await preflight.arrayBuffer();
      if (!preflight.ok || preflight.headers.get('access-control-allow-origin') !== 'null') return 'TypeError: Failed to fetch';
    }
    const response = await fetch(tagged, { method: init.method, headers: { ...init.headers, origin: 'null', [CLIENT_ADDRESS_HEADER]: this.address }, body: init.body });
    await response.arrayBuffer();
    if (init.mode === 'no-cors') return 'an opaque response: the browser hides its status and body';
    return response.headers.get('access-control-allow-origin') === 'null' ? `HTTP ${response.status}` : 'TypeError: Failed to fetch';
  };

  /** The user in the authorization window: the real sign-in and consent pages, then the callback. */
  authorizeAs(user: HeadlessUserOptions = {}) {
    return async (url: URL): Promise<URL> => {
      const outcome = await authorizeAsUser(url, this.jar, { userName: 'flow-learner', ...user, fetch: this.navigate });
      if (!outcome.location) throw new Error(`the authorization ended on a page: HTTP ${outcome.page?.status}\n${outcome.page?.body.slice(0, 300)}`);
      await this.navigate(outcome.location); // the browser loads the page's callback
      return new URL(outcome.location);
    };
  }

  /** How many of the streamed exchanges are the window's navigations (the rest are the Worker's own calls). */
  streamedNavigations(): number {
    return [...this.fromWorker.values()].filter((exchange) => exchange.channel === 'front').length;
  }

  /**
   * Every navigation has been recorded and streamed (recording happens after each response), and
   * `ready` holds: the Worker's back-channel calls are recorded beside the navigation that made
   * them, in no fixed order, so a test that expects some waits for them by name.
   */
  async settled(ready: (fromWorker: CapturedExchange[]) => boolean = () => true): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const seen = [...this.fromWorker.values()];
      if (this.streamedNavigations() >= this.navigations && ready(seen)) return;
      if (Date.now() > deadline) {
        const list = seen.map((exchange) => `${exchange.channel} ${exchange.method} ${exchange.url} ${exchange.status}`);
        throw new Error(`the Worker streamed ${seen.length} exchanges for ${this.navigations} navigations, or not those awaited:\n${list.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
