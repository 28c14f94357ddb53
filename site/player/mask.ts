import type { CapturedExchange } from '../../server/lab/exchange';
import { redactExchange } from '../../server/lab/redact';

/**
 * Secrets in what the inspector shows. Two kinds, explained differently:
 *   - the Worker's exchanges arrive already redacted (`exchange.redacted` names what it hid, and
 *     nobody, this page included, can get the value back);
 *   - the page's own exchanges hold its own secrets (its tokens, its PKCE verifier). They are
 *     masked with the Worker's own rules by default, and the learner may reveal them.
 */
export interface MaskedExchange {
  exchange: CapturedExchange;
  /** Where this view replaced something, in the Worker's notation (`body.code_verifier`). */
  masked: string[];
}

export function maskedForDisplay(exchange: CapturedExchange): MaskedExchange {
  if (exchange.source === 'worker') return { exchange, masked: [] };
  const { value, redacted } = redactExchange(exchange);
  return { exchange: { ...exchange, ...value }, masked: redacted };
}

/** `[redacted code, 43 chars]`, as server/lab/exchange.ts writes it. */
export const REDACTED_MARKER = /\[redacted ([^,\]]+), (\d+) chars\]/g;

export type TextPart = { text: string } | { redacted: string; length: number };

/** Splits text around redaction markers, so each can be drawn and explained. */
export function splitRedactions(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(REDACTED_MARKER)) {
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ redacted: match[1], length: Number(match[2]) });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Plain words for a redaction label such as `query.code` or `header.set-cookie`. */
export function describeRedaction(label: string): string {
  const [where, ...rest] = label.split('.');
  const name = rest.join('.');
  switch (where) {
    case 'query':
      return `the ${name} parameter in the URL`;
    case 'location':
      return `the ${name} parameter in the redirect's Location`;
    case 'header':
      return `the ${name} header's value`;
    case 'body':
      return `${name} in the request body`;
    case 'response':
      return `${name} in the response body`;
    default:
      return label;
  }
}
