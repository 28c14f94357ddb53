/**
 * The trace cookie: `__Host-lab-trace=<traceId>.<mac>`, where the MAC is HMAC-SHA256 with the
 * lab secret over `lab-trace:<traceId>`. Only the browser the Worker gave it to holds it
 * (HttpOnly), and any request can be checked without a storage round trip. The prefix keeps the
 * MAC from ever being valid as another of the secret's signatures (the sign-in cookie signs JSON,
 * the attacker tag below signs `lab-attacker:<traceId>`).
 */
export const TRACE_COOKIE = '__Host-lab-trace';
export const TRACE_LIFETIME_SECONDS = 30 * 60;

const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));

/** 32 random bytes, base64url: 43 characters. */
export const TRACE_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newTraceId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

// Imported once per secret and isolate: traced requests then cost one HMAC, not a key import.
const keys = new Map<string, Promise<CryptoKey>>();
function macKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

type Purpose = 'lab-trace' | 'lab-attacker';
const macInput = (purpose: Purpose, traceId: string) => encoder.encode(`${purpose}:${traceId}`);

/** `<traceId>.<mac>`: the trace id, signed for one purpose. */
async function signed(purpose: Purpose, traceId: string, secret: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await macKey(secret), macInput(purpose, traceId)));
  return `${traceId}.${base64url(mac)}`;
}

/** The trace id a `<traceId>.<mac>` value proves for this purpose, or null. */
async function verified(purpose: Purpose, value: string | null | undefined, secret: string): Promise<string | null> {
  const [traceId, mac, extra] = value?.split('.') ?? [];
  if (!traceId || !mac || extra !== undefined || !TRACE_ID_PATTERN.test(traceId) || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return null;
  const valid = await crypto.subtle.verify('HMAC', await macKey(secret), fromBase64url(mac), macInput(purpose, traceId));
  return valid ? traceId : null;
}

export async function traceCookie(traceId: string, secret: string): Promise<string> {
  return `${TRACE_COOKIE}=${await signed('lab-trace', traceId, secret)}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${TRACE_LIFETIME_SECONDS}`;
}

/** The fast path: is there a trace cookie at all? No parsing, no crypto. */
export function mayCarryTrace(request: Request): boolean {
  return request.headers.get('cookie')?.includes(`${TRACE_COOKIE}=`) ?? false;
}

function cookieValue(cookieHeader: string): string | undefined {
  for (const part of cookieHeader.split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0 && part.slice(0, equals).trim() === TRACE_COOKIE) return part.slice(equals + 1).trim();
  }
  return undefined;
}

/** The trace id this request's cookie proves, or null (no cookie, malformed, or a MAC that does not verify). */
export async function verifiedTraceId(request: Request, secret: string): Promise<string | null> {
  return verified('lab-trace', cookieValue(request.headers.get('cookie') ?? ''), secret);
}

/**
 * The attacker tag: `<traceId>.<mac>`, the MAC over `lab-attacker:<traceId>`, handed to the page
 * that starts the trace. The Origin attack lab's page of another origin carries it in its
 * requests' query (`ATTACKER_TAG_PARAMETER`, server/lab/exchange.ts), since no cookie of this site
 * goes with a request from an opaque origin; the Worker records those requests in that trace as
 * the attacker's, and takes the tag off before the server sees them. The tag can only add records
 * to a trace, never read one (reading needs the cookie).
 */
export function attackerTag(traceId: string, secret: string): Promise<string> {
  return signed('lab-attacker', traceId, secret);
}

/** The trace id an attacker tag proves, or null (absent, malformed, or a MAC that does not verify). */
export function verifiedAttackerTraceId(tag: string | null, secret: string): Promise<string | null> {
  return verified('lab-attacker', tag, secret);
}
