/**
 * JSON Web Tokens found in captured text, decoded for reading. Decoding is not verifying: the
 * inspector says so next to every token it shows.
 */
export interface DecodedJwt {
  /** The token as it appeared. */
  token: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

// A JWS in compact form: both the header and the payload are JSON objects, so both start with
// base64url('{"') = "eyJ". The signature may be empty (alg "none").
const COMPACT_JWS = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

function base64UrlJson(part: string): Record<string, unknown> | null {
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Decodes one compact JWT, or returns null when it is not one. */
export function decodeJwt(token: string): DecodedJwt | null {
  const [headerPart, payloadPart, signature, extra] = token.split('.');
  if (extra !== undefined || signature === undefined || !headerPart || !payloadPart) return null;
  const header = base64UrlJson(headerPart);
  const payload = base64UrlJson(payloadPart);
  return header && payload && typeof header.alg === 'string' ? { token, header, payload } : null;
}

/** Every distinct JWT in a piece of text (a header value, a body, a URL), in order of appearance. */
export function findJwts(text: string | null | undefined): DecodedJwt[] {
  if (!text) return [];
  const seen = new Set<string>();
  const found: DecodedJwt[] = [];
  for (const [candidate] of text.matchAll(COMPACT_JWS)) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const decoded = decodeJwt(candidate);
    if (decoded) found.push(decoded);
  }
  return found;
}

/** Registered claims that are times (RFC 7519 § 4.1): shown as dates beside the number. */
export const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);
