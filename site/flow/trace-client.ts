import { ATTACKER_TAG_PARAMETER, type CapturedExchange, type TraceEvent } from '../../server/lab/exchange';
import { explain, observeAnswer } from './failures';
import type { FlowFailure } from './types';

/**
 * The page's side of a trace: asks the Worker for one (POST /lab/traces, which also sets the
 * HttpOnly trace cookie that marks this browser's requests), then listens on its event stream
 * (a WebSocket; the cookie goes with the handshake) for what the Worker saw: the browser's
 * navigations through sign-in and consent, and its own back-channel calls. A server without the
 * lab layer simply has no trace: the player then shows the page's own exchanges only.
 */
export interface TraceConnection {
  traceId: string;
  expiresAt: number;
  /**
   * What a page of another origin adds to its requests so the Worker records them in this trace as
   * the attacker's (the Origin attack lab; no cookie goes with them): `withAttackerTag`. Null when
   * the server hands out none.
   */
  attackerTag: string | null;
  /** Each exchange the Worker recorded (the backlog first, then live). Returns an unsubscribe. */
  on(listener: (exchange: CapturedExchange) => void): () => void;
  /** Resolves when the stream has closed, with why (`expired`, `closed`, or an error). */
  readonly closed: Promise<string>;
  close(): void;
}

/** The subset of the WebSocket constructor this needs (the browser's, or a test's). */
export type WebSocketConstructor = new (url: string) => Pick<WebSocket, 'addEventListener' | 'close'>;

/** No trace: why in a sentence; and when the Worker named its refusal (a failure code, e.g. `rate-limited`), the catalogue's explanation. */
export type TraceStart = { ok: true; trace: TraceConnection } | { ok: false; reason: string; refused?: FlowFailure };

export async function startTrace(origin: string, fetchImpl: typeof fetch, WebSocketCtor: WebSocketConstructor): Promise<TraceStart> {
  let response: Response;
  try {
    response = await fetchImpl(`${origin}/lab/traces`, { method: 'POST', credentials: 'same-origin' });
  } catch (error) {
    return { ok: false, reason: `Could not reach ${origin}/lab/traces: ${error instanceof Error ? error.message : error}` };
  }
  if (response.status !== 201) {
    const text = await response.text().catch(() => '');
    const observed = observeAnswer({ status: response.status, text, header: (name) => response.headers.get(name), at: Date.now() });
    if (observed.failure) return { ok: false, reason: `${origin}/lab/traces answered ${response.status} (${observed.failure}).`, refused: explain(observed) };
    return { ok: false, reason: `${origin}/lab/traces answered ${response.status}: this server does not record traces.` };
  }
  const { traceId, expiresAt, attackerTag } = (await response.json()) as { traceId: string; expiresAt: number; attackerTag?: unknown };

  const socketUrl = `${origin.replace(/^http/, 'ws')}/lab/traces/${encodeURIComponent(traceId)}/events`;
  const socket = new WebSocketCtor(socketUrl);
  const listeners = new Set<(exchange: CapturedExchange) => void>();
  const received: CapturedExchange[] = [];
  let settle: (reason: string) => void = () => {};
  const closed = new Promise<string>((resolve) => (settle = resolve));

  socket.addEventListener('message', (message: MessageEvent) => {
    let event: TraceEvent;
    try {
      event = JSON.parse(String(message.data)) as TraceEvent;
    } catch {
      return; // not ours to interpret
    }
    if (event.type === 'exchange') {
      received.push(event.exchange);
      listeners.forEach((listener) => listener(event.exchange));
    } else if (event.type === 'expired') {
      settle('expired');
    }
  });
  socket.addEventListener('close', () => settle('closed'));
  socket.addEventListener('error', () => settle('error: the trace stream failed'));

  return {
    ok: true,
    trace: {
      traceId,
      expiresAt,
      attackerTag: typeof attackerTag === 'string' ? attackerTag : null,
      on(listener) {
        received.forEach(listener); // what arrived before this listener
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      closed,
      close: () => socket.close(1000, 'done'),
    },
  };
}

/** A URL with a trace's attacker tag in its query (the Worker's lab layer takes it off again). */
export function withAttackerTag(url: string, tag: string): string {
  const tagged = new URL(url);
  tagged.searchParams.set(ATTACKER_TAG_PARAMETER, tag);
  return tagged.href;
}
