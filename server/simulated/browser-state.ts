import { readBodyText } from '../http/body';
import { decodeBase64url, encodeBase64url, randomToken } from '../jwt/base64url';

/**
 * What a simulated provider keeps in the browser, as a real provider would on its own domain: a
 * signed session cookie (who is signed in there, which apps they already authorized) and a
 * double-submit CSRF value for its forms. Here the providers share the server's origin, so their
 * cookies have their own names; the server never reads them.
 */
const encoder = new TextEncoder();

async function hmacKey(secret: string, purpose: string) {
  const raw = await crypto.subtle.sign(
    'HMAC',
    await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
    encoder.encode(`simulated-provider/${purpose}`),
  );
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** A secret derived from the server's secret for one purpose (so no two uses share a key). */
export async function derivedSecret(secret: string, purpose: string): Promise<string> {
  return encodeBase64url(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'derive'), encoder.encode(purpose)));
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function cookie(name: string, value: string, maxAge: number, sameSite: 'Lax' | 'Strict' = 'Lax'): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}`;
}

export async function sealCookie(name: string, value: unknown, secret: string, maxAge: number): Promise<string> {
  const payload = encoder.encode(JSON.stringify({ v: value, exp: Math.floor(Date.now() / 1000) + maxAge }));
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret, name), payload);
  return cookie(name, `${encodeBase64url(payload)}.${encodeBase64url(signature)}`, maxAge);
}

/** The cookie's value if it carries a valid signature and has not expired; otherwise null. */
export async function openCookie<T>(request: Request, name: string, secret: string): Promise<T | null> {
  const [payloadText, signatureText, extra] = (readCookie(request, name) ?? '').split('.');
  if (!payloadText || !signatureText || extra !== undefined) return null;
  try {
    const payload = decodeBase64url(payloadText);
    if (!(await crypto.subtle.verify('HMAC', await hmacKey(secret, name), decodeBase64url(signatureText), payload))) return null;
    const { v, exp } = JSON.parse(new TextDecoder().decode(payload));
    return typeof exp === 'number' && exp * 1000 > Date.now() ? (v as T) : null;
  } catch {
    return null;
  }
}

/** Double-submit CSRF: a random value in the form and in a SameSite=Strict cookie, which must agree. */
export function newCsrf(name: string): { token: string; cookie: string } {
  const token = randomToken(24);
  return { token, cookie: cookie(name, token, 600, 'Strict') };
}

export function csrfValid(request: Request, name: string, submitted: string): boolean {
  const expected = readCookie(request, name);
  if (!expected || expected.length !== submitted.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ submitted.charCodeAt(i);
  return difference === 0;
}

/** Compares two secrets without leaking where they first differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

export async function readForm(request: Request, limit = 16 * 1024): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  const text = await readBodyText(request, limit);
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(text);
  if (type.startsWith('application/json')) {
    // GitHub's token endpoint takes JSON as well as a form.
    try {
      const value = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return new URLSearchParams(Object.entries(value).filter(([, v]) => typeof v === 'string') as [string, string][]);
      }
    } catch {}
  }
  return new URLSearchParams();
}
