import type { CapturedExchange, TraceEvent } from '../../../server/lab/exchange';
import { CookieJar } from '../../support/headless-user';
import { callWorker, ORIGIN } from './worker';

/**
 * A browser using the lab's traces: it starts a trace (keeping the cookie), listens to the
 * event stream over a real WebSocket, and navigates the way a browser does (`Sec-Fetch-Mode:
 * navigate`, its cookies), or fetches the way the page does (`cors`).
 */
export class TracingBrowser {
  readonly jar = new CookieJar();

  async startTrace(): Promise<{ traceId: string; expiresAt: number; attackerTag: string; response: Response }> {
    const response = await callWorker('/lab/traces', { method: 'POST', headers: { origin: ORIGIN } });
    if (response.status !== 201) throw new Error(`starting a trace failed: ${response.status} ${await response.text()}`);
    this.jar.store(response);
    return { ...((await response.json()) as { traceId: string; expiresAt: number; attackerTag: string }), response };
  }

  /** The trace's event stream, or the refusal (a Response) when there is no WebSocket. */
  async listen(traceId: string, headers: Record<string, string> = { cookie: this.jar.header() }): Promise<TraceStream | Response> {
    const response = await callWorker(`/lab/traces/${traceId}/events`, { headers: { upgrade: 'websocket', origin: ORIGIN, ...headers } });
    if (!response.webSocket) return response;
    return new TraceStream(response.webSocket);
  }

  /** A top-level navigation (a link, a redirect, a form post): what the Worker records itself. */
  navigate(target: string | URL, form?: Record<string, string | string[]>): Promise<Response> {
    return this.send(target, 'navigate', form);
  }

  /** A fetch from the page's script: the page records those, the Worker does not. */
  pageFetch(target: string | URL): Promise<Response> {
    return this.send(target, 'cors');
  }

  private async send(target: string | URL, mode: string, form?: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form ?? {})) for (const item of [value].flat()) body.append(name, item);
    const response = await callWorker(target, {
      method: form ? 'POST' : 'GET',
      headers: {
        cookie: this.jar.header(),
        'sec-fetch-mode': mode,
        ...(form && { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }),
      },
      ...(form && { body }),
    });
    this.jar.store(response);
    return response;
  }
}

/** Events in the order they arrived; `next()` waits for the next one (the test's timeout bounds the wait). */
export class TraceStream {
  private readonly events: TraceEvent[] = [];
  private read = 0;
  private wake: (() => void) | null = null;
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.accept();
    socket.addEventListener('message', (event) => {
      this.events.push(JSON.parse(event.data as string) as TraceEvent);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  }

  async next(): Promise<TraceEvent> {
    while (this.read >= this.events.length) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.events[this.read++];
  }

  async nextExchange(): Promise<CapturedExchange> {
    const event = await this.next();
    if (event.type !== 'exchange') throw new Error(`expected an exchange, got ${JSON.stringify(event)}`);
    return event.exchange;
  }

  /** Every event so far, read or not. */
  get received(): readonly TraceEvent[] {
    return this.events;
  }

  close() {
    this.socket.close(1000, 'test done');
  }
}

/** A header's value in a captured exchange's header list. */
export const headerOf = (headers: [string, string][], name: string) => headers.find(([key]) => key.toLowerCase() === name)?.[1];
