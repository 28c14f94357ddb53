import type { CapturedExchange, HeaderList } from '../../server/lab/exchange';
import { prettyJsonWithInlineArrays } from '../lib/json-format';

/**
 * A captured exchange as a learner reads it: HTTP/1.1-style start lines and headers, and bodies
 * made readable by their content type (JSON indented, forms as one pair a line, event streams as
 * their events). The raw text is always kept beside the readable one.
 */

const REASONS: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const reasonPhrase = (status: number) => REASONS[status] ?? '';

export function headerValue(headers: HeaderList, name: string): string | null {
  const lower = name.toLowerCase();
  return headers.find(([candidate]) => candidate.toLowerCase() === lower)?.[1] ?? null;
}

/**
 * The path and query as captured. Not re-serialised through URL, which would percent-encode the
 * Worker's redaction markers (`code=[redacted code, 43 chars]`) beyond recognition.
 */
export function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return url.startsWith(parsed.origin) ? url.slice(parsed.origin.length) || '/' : parsed.pathname + parsed.search;
}

/** `POST /oauth/token HTTP/1.1`, then `Host` and the captured headers. */
export function requestHead(exchange: Pick<CapturedExchange, 'method' | 'url' | 'requestHeaders'>): string {
  const url = new URL(exchange.url);
  const lines = [`${exchange.method} ${pathAndQuery(exchange.url)} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of exchange.requestHeaders) if (name.toLowerCase() !== 'host') lines.push(`${name}: ${value}`);
  return lines.join('\n');
}

/** `HTTP/1.1 401 Unauthorized` and the headers, or why no response came. */
export function responseHead(exchange: Pick<CapturedExchange, 'status' | 'responseHeaders' | 'error'>): string {
  if (exchange.status === null) return `(no response${exchange.error ? `: ${exchange.error}` : ''})`;
  const reason = reasonPhrase(exchange.status);
  return [`HTTP/1.1 ${exchange.status}${reason ? ` ${reason}` : ''}`, ...exchange.responseHeaders.map(([name, value]) => `${name}: ${value}`)].join('\n');
}

export type BodyKind = 'json' | 'form' | 'event-stream' | 'html' | 'text';

export interface ReadableBody {
  kind: BodyKind;
  /** Indented JSON, one form pair a line, or the text as it came. */
  text: string;
  /** The parsed JSON value (for JSON, and for each event's data in a stream). */
  json?: unknown;
}

function kindOf(contentType: string | null, body: string): BodyKind {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json')) return 'json';
  if (type.startsWith('application/x-www-form-urlencoded')) return 'form';
  if (type.startsWith('text/event-stream')) return 'event-stream';
  if (type.startsWith('text/html')) return 'html';
  return /^\s*[[{]/.test(body) ? 'json' : 'text';
}

const tryJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** Renders form pairs decoded, one per line: `grant_type = authorization_code`. */
function formLines(body: string): string {
  return body
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const equals = pair.indexOf('=');
      const decode = (part: string) => {
        try {
          return decodeURIComponent(part.replace(/\+/g, ' '));
        } catch {
          return part;
        }
      };
      return equals < 0 ? decode(pair) : `${decode(pair.slice(0, equals))} = ${decode(pair.slice(equals + 1))}`;
    })
    .join('\n');
}

/** An event stream's `data:` lines, each JSON payload indented under its `event:` name. */
function eventStreamText(body: string): { text: string; json: unknown[] } {
  const events: unknown[] = [];
  const blocks = body.split(/\r?\n\r?\n/).filter((block) => block.trim());
  const text = blocks
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const name = lines.find((line) => line.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      const parsed = tryJson(data);
      if (parsed.ok) events.push(parsed.value);
      return `event: ${name}\n${parsed.ok ? prettyJsonWithInlineArrays(parsed.value) : data}`;
    })
    .join('\n\n');
  return { text, json: events };
}

export function readableBody(body: string | null, contentType: string | null): ReadableBody | null {
  if (body === null || body === '') return null;
  const kind = kindOf(contentType, body);
  if (kind === 'json') {
    const parsed = tryJson(body);
    return parsed.ok ? { kind, text: prettyJsonWithInlineArrays(parsed.value), json: parsed.value } : { kind: 'text', text: body };
  }
  if (kind === 'form') return { kind, text: formLines(body) };
  if (kind === 'event-stream') {
    const { text, json } = eventStreamText(body);
    return { kind, text, json };
  }
  return { kind, text: body };
}
