/**
 * Server-Sent Events framing (the WHATWG event-stream format), incrementally: feed text as it
 * arrives, get whole events back. Used for Streamable HTTP answers sent as a stream and for the
 * legacy SSE transport's long-lived GET /sse.
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  #buffer = '';

  push(text: string): SseEvent[] {
    this.#buffer += text;
    const events: SseEvent[] = [];
    let blank: RegExpExecArray | null;
    while ((blank = /\r?\n\r?\n/.exec(this.#buffer))) {
      const block = this.#buffer.slice(0, blank.index);
      this.#buffer = this.#buffer.slice(blank.index + blank[0].length);
      const event = parseBlock(block);
      if (event) events.push(event);
    }
    return events;
  }
}

function parseBlock(block: string): SseEvent | null {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return data.length > 0 ? { event, data: data.join('\n'), ...(id !== undefined && { id }) } : null;
}

/** All events of a complete stream body. */
export function parseSse(text: string): SseEvent[] {
  return new SseParser().push(`${text}\n\n`);
}
