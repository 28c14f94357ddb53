/**
 * Option 1's own sign-in session: a signed, HttpOnly `__Host-` cookie naming the demo user.
 * This is where real authentication plugs in: replace `readSignIn`/`signInCookie` with your
 * identity system's session (or see the GitHub and OIDC options, where another provider signs
 * the user in).
 */
const COOKIE = '__Host-session';
const LOGIN_CSRF_COOKIE = '__Host-sign-in-form';
const SESSION_SECONDS = 8 * 60 * 60;

export interface SignedInUser {
  userId: string;
  userName: string;
}

const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));

async function hmacKey(secret: string) {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function cookie(name: string, value: string, maxAge: number, sameSite: 'Lax' | 'Strict') {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}`;
}

/** A demo user name: letters, digits, dot, dash, underscore; becomes the user id. */
export function normaliseUserName(input: string): string | null {
  const name = input.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9._-]{0,31}$/.test(name) ? name : null;
}

export async function signInCookie(user: SignedInUser, secret: string, now = Date.now()): Promise<string> {
  const payload = encoder.encode(JSON.stringify({ u: user.userId, n: user.userName, exp: Math.floor(now / 1000) + SESSION_SECONDS }));
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), payload));
  return cookie(COOKIE, `${base64url(payload)}.${base64url(signature)}`, SESSION_SECONDS, 'Lax');
}

export const signOutCookie = () => cookie(COOKIE, '', 0, 'Lax');

export async function readSignIn(request: Request, secret: string, now = Date.now()): Promise<SignedInUser | null> {
  const value = readCookie(request, COOKIE);
  if (!value) return null;
  const [payloadText, signatureText] = value.split('.');
  if (!payloadText || !signatureText) return null;
  try {
    const payload = fromBase64url(payloadText);
    const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), fromBase64url(signatureText), payload);
    if (!valid) return null;
    const { u, n, exp } = JSON.parse(new TextDecoder().decode(payload));
    if (typeof u !== 'string' || typeof n !== 'string' || typeof exp !== 'number' || exp * 1000 < now) return null;
    return { userId: u, userName: n };
  } catch {
    return null;
  }
}

/**
 * Login CSRF (double submit): the sign-in form carries a random value that must equal a
 * SameSite=Strict cookie set with the form, so another site cannot sign you in as its user.
 */
export function newLoginCsrf(): { token: string; cookie: string } {
  const token = base64url(crypto.getRandomValues(new Uint8Array(24)));
  return { token, cookie: cookie(LOGIN_CSRF_COOKIE, token, 600, 'Strict') };
}

export function loginCsrfValid(request: Request, submitted: string): boolean {
  const expected = readCookie(request, LOGIN_CSRF_COOKIE);
  if (!expected || expected.length !== submitted.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ submitted.charCodeAt(i);
  return difference === 0;
}

export const clearLoginCsrfCookie = () => cookie(LOGIN_CSRF_COOKIE, '', 0, 'Strict');
