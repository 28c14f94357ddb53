/** Server-Sent Events, read off a response body one event at a time (WHATWG "event stream"). */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

export class EventReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next event, or null once the stream has ended. */
  async next(): Promise<ServerSentEvent | null> {
    for (;;) {
      const boundary = this.buffer.search(/\r?\n\r?\n/);
      if (boundary >= 0) {
        const block = this.buffer.slice(0, boundary);
        this.buffer = this.buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
        const event = parseEvent(block);
        if (event) return event;
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Skips events until one matches, or fails when the stream ends first. */
  async until(matches: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent> {
    for (;;) {
      const event = await this.next();
      if (!event) throw new Error('the event stream ended before the expected event');
      if (matches(event)) return event;
    }
  }

  async close() {
    await this.reader.cancel().catch(() => undefined);
  }
}

function parseEvent(block: string): ServerSentEvent | null {
  const event: ServerSentEvent = { event: 'message', data: '' };
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue; // comments keep the connection alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
  }
  if (data.length === 0) return null;
  event.data = data.join('\n');
  return event;
}

/** Every event of a finished response body (a Streamable HTTP POST answered as a stream). */
export async function readAllEvents(body: ReadableStream<Uint8Array>): Promise<ServerSentEvent[]> {
  const reader = new EventReader(body);
  const events: ServerSentEvent[] = [];
  for (let event = await reader.next(); event; event = await reader.next()) events.push(event);
  return events;
}
