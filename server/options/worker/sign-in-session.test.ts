import { describe, expect, it } from 'vitest';
import { loginCsrfValid, newLoginCsrf, normaliseUserName, readCookie, readSignIn, signInCookie, signOutCookie } from './sign-in-session';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const USER = { userId: 'ada', userName: 'ada' };
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);
const EIGHT_HOURS = 8 * 60 * 60 * 1000;

/** A request carrying the cookie pair from a Set-Cookie line, as a browser would send it back. */
const withCookie = (setCookie: string, extra = '') => new Request('https://mcp.example/authorize', { headers: { cookie: `${extra}${setCookie.split(';')[0]}` } });
const sessionValue = (setCookie: string) => setCookie.split(';')[0].slice('__Host-session='.length);
const withSession = (value: string) => new Request('https://mcp.example/', { headers: { cookie: `__Host-session=${value}` } });

describe('sign-in cookie', () => {
  it('is a __Host- cookie that scripts and other sites cannot use', async () => {
    const cookie = await signInCookie(USER, SECRET, NOW);
    expect(cookie).toMatch(/^__Host-session=[\w-]+\.[\w-]+; /);
    expect(cookie).toContain('; Path=/');
    expect(cookie).toContain('; Secure');
    expect(cookie).toContain('; HttpOnly');
    expect(cookie).toContain('; SameSite=Lax');
    expect(cookie).toContain('; Max-Age=28800');
    expect(cookie).not.toContain('Domain=');
  });

  it('reads back as the user it was made for', async () => {
    const cookie = await signInCookie(USER, SECRET, NOW);
    expect(await readSignIn(withCookie(cookie, 'other=1; '), SECRET, NOW + 1000)).toEqual(USER);
  });

  it('is valid until it expires, and not after', async () => {
    const cookie = await signInCookie(USER, SECRET, NOW);
    expect(await readSignIn(withCookie(cookie), SECRET, NOW + EIGHT_HOURS - 1000)).toEqual(USER);
    expect(await readSignIn(withCookie(cookie), SECRET, NOW + EIGHT_HOURS + 1000)).toBeNull();
  });

  it('is refused when signed with another secret', async () => {
    const cookie = await signInCookie(USER, SECRET, NOW);
    expect(await readSignIn(withCookie(cookie), `${SECRET}-rotated`, NOW)).toBeNull();
  });

  it('is refused when its payload is changed (another user, a later expiry)', async () => {
    const [, signature] = sessionValue(await signInCookie(USER, SECRET, NOW)).split('.');
    const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const forged = encode({ u: 'admin', n: 'admin', exp: Math.floor(NOW / 1000) + 3600 });
    expect(await readSignIn(withSession(`${forged}.${signature}`), SECRET, NOW)).toBeNull();
  });

  it('is refused when its signature is changed or cut', async () => {
    const [payload, signature] = sessionValue(await signInCookie(USER, SECRET, NOW)).split('.');
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(await readSignIn(withSession(`${payload}.${flipped}`), SECRET, NOW)).toBeNull();
    expect(await readSignIn(withSession(`${payload}.${signature.slice(0, 10)}`), SECRET, NOW)).toBeNull();
  });

  it.each(['', 'no-dot', '.', 'a.', '.b', '%%%.***', 'e30.e30', `${'A'.repeat(5000)}.x`])('ignores a malformed value %j', async (value) => {
    expect(await readSignIn(withSession(value), SECRET, NOW)).toBeNull();
  });

  it('is refused when validly signed but missing fields (a signature is not a schema)', async () => {
    const payload = new TextEncoder().encode(JSON.stringify({ u: 'ada' }));
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, payload));
    const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(await readSignIn(withSession(`${b64(payload)}.${b64(signature)}`), SECRET, NOW)).toBeNull();
  });

  it('is cleared by sign-out (same name and attributes, Max-Age=0)', () => {
    expect(signOutCookie()).toMatch(/^__Host-session=; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=0$/);
  });
});

describe('login CSRF (double submit)', () => {
  const requestWith = (cookie?: string) => new Request('https://mcp.example/authorize/sign-in', { method: 'POST', headers: cookie ? { cookie } : {} });

  it('accepts the form value that matches its cookie', () => {
    const { token, cookie } = newLoginCsrf();
    expect(cookie).toMatch(/^__Host-sign-in-form=[\w-]+; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=600$/);
    expect(loginCsrfValid(requestWith(cookie.split(';')[0]), token)).toBe(true);
  });

  it('gives a fresh value each time', () => {
    expect(newLoginCsrf().token).not.toBe(newLoginCsrf().token);
  });

  it.each([
    ['no cookie', undefined, 'abc'],
    ['a different value of the same length', '__Host-sign-in-form=abcdef', 'abcdeg'],
    ['a prefix of the cookie', '__Host-sign-in-form=abcdef', 'abc'],
    ['a longer value', '__Host-sign-in-form=abc', 'abcdef'],
    ['an empty submission', '__Host-sign-in-form=abc', ''],
    ['an empty cookie and an empty submission', '__Host-sign-in-form=', ''],
    ['the value in a cookie of another name', 'sign-in-form=abc', 'abc'],
  ])('refuses %s', (_label, cookie, submitted) => {
    expect(loginCsrfValid(requestWith(cookie), submitted)).toBe(false);
  });
});

describe('readCookie', () => {
  it.each([
    ['a=1; b=2', 'b', '2'],
    ['a=1;b=2', 'b', '2'],
    ['a=x=y', 'a', 'x=y'],
    ['ab=1; a=2', 'a', '2'],
    ['a=1', 'b', undefined],
    ['', 'a', undefined],
  ])('%j, %s → %j', (header, name, value) => {
    expect(readCookie(new Request('https://mcp.example/', { headers: { cookie: header } }), name)).toBe(value);
  });
});

describe('normaliseUserName', () => {
  it.each([
    ['Ada', 'ada'],
    ['  grace.hopper ', 'grace.hopper'],
    ['a_b-c.d', 'a_b-c.d'],
    ['x'.repeat(32), 'x'.repeat(32)],
    ['x'.repeat(33), null],
    ['', null],
    ['.hidden', null],
    ['-dash', null],
    ['a:b', null], // the OAuth library uses ':' as a separator in its KV keys
    ['<script>', null],
    ['émile', null],
  ])('%j → %j', (input, expected) => {
    expect(normaliseUserName(input)).toBe(expected);
  });
});
