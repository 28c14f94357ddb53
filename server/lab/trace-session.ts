import { DurableObject } from 'cloudflare:workers';
import type { CapturedExchange, TraceEvent } from './exchange';

/**
 * One trace: its exchanges (already redacted) and the page's event stream. Named by the trace id
 * (`idFromName`). The Worker checks the trace cookie before it ever reaches this object, so an
 * instance only answers "does this trace exist, and what happened in it".
 *
 * Storage (the SQLite-backed object's synchronous KV): `trace` → { traceId, expiresAt },
 * `exchange:<seq>` → a CapturedExchange. The alarm at `expiresAt` deletes everything.
 * Event stream: hibernatable WebSockets, so an idle page costs nothing while it waits.
 */
export const MAX_EXCHANGES = 500;
/** An exchange's JSON after the recorder's 32 KB body limits: headers can't push it past this. */
const MAX_EXCHANGE_CHARS = 256 * 1024;

interface TraceRecord {
  traceId: string;
  expiresAt: number;
}

/** What the recorder sends: an exchange without the fields this object assigns. */
export type RecordedExchange = Omit<CapturedExchange, 'id' | 'traceId' | 'source'>;

const exchangeKey = (seq: number) => `exchange:${String(seq).padStart(6, '0')}`;

export class TraceSession extends DurableObject {
  async start(traceId: string, expiresAt: number): Promise<void> {
    this.ctx.storage.kv.put('trace', { traceId, expiresAt } satisfies TraceRecord);
    this.ctx.storage.kv.put('count', 0);
    await this.ctx.storage.setAlarm(expiresAt);
  }

  /** Appends an exchange and sends it to every open stream. Silently full after MAX_EXCHANGES. */
  async record(recorded: RecordedExchange): Promise<void> {
    const trace = await this.liveTrace();
    if (!trace) return;
    const count = this.ctx.storage.kv.get<number>('count') ?? 0;
    if (count >= MAX_EXCHANGES) {
      console.warn(`trace full: exchange ${recorded.method} ${recorded.url} not kept`);
      return;
    }
    const exchange: CapturedExchange = { ...recorded, id: `worker-${count + 1}`, traceId: trace.traceId, source: 'worker' };
    const message = JSON.stringify({ type: 'exchange', exchange } satisfies TraceEvent);
    if (message.length > MAX_EXCHANGE_CHARS) {
      console.warn(`exchange too large to keep: ${recorded.method} ${recorded.url}`);
      return;
    }
    this.ctx.storage.kv.put(exchangeKey(count + 1), exchange);
    this.ctx.storage.kv.put('count', count + 1);
    for (const socket of this.ctx.getWebSockets()) send(socket, message);
  }

  /** The event stream: hello, the exchanges so far in order, then each new one as it is recorded. */
  async fetch(request: Request): Promise<Response> {
    const trace = await this.liveTrace();
    if (!trace) return Response.json({ error: 'not_found', error_description: 'No such trace, or it has expired.' }, { status: 404 });
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return Response.json({ error: 'upgrade_required', error_description: 'Open this URL as a WebSocket.' }, { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    send(server, JSON.stringify({ type: 'hello', traceId: trace.traceId, expiresAt: trace.expiresAt } satisfies TraceEvent));
    for (const [, exchange] of this.ctx.storage.kv.list<CapturedExchange>({ prefix: 'exchange:' })) {
      send(server, JSON.stringify({ type: 'exchange', exchange } satisfies TraceEvent));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  async alarm(): Promise<void> {
    await this.expire();
  }

  /** The page only listens; anything it sends is ignored. */
  webSocketMessage(): void {}

  webSocketClose(socket: WebSocket, code: number): void {
    try {
      socket.close(code === 1005 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
  }

  /** The trace, unless it has expired (then expire it now: an alarm can run late, never early). */
  private async liveTrace(): Promise<TraceRecord | null> {
    const trace = this.ctx.storage.kv.get<TraceRecord>('trace');
    if (!trace) return null;
    if (Date.now() < trace.expiresAt) return trace;
    await this.expire();
    return null;
  }

  private async expire(): Promise<void> {
    const message = JSON.stringify({ type: 'expired' } satisfies TraceEvent);
    for (const socket of this.ctx.getWebSockets()) {
      send(socket, message);
      try {
        socket.close(1000, 'trace expired');
      } catch {
        // already closed
      }
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** A socket may close between getWebSockets() and send(): that page is gone, the others still get it. */
function send(socket: WebSocket, message: string) {
  try {
    socket.send(message);
  } catch {
    // closed
  }
}
