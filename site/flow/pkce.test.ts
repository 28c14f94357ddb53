import { expect, test } from 'vitest';
import { base64url, newPkce, randomToken, s256Challenge } from './pkce';

test('RFC 7636 Appendix B: the S256 challenge of the example verifier', async () => {
  expect(await s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('base64url has no padding and only URL-safe characters', () => {
  expect(base64url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe('-__-');
  expect(base64url(new Uint8Array([1]))).toBe('AQ');
});

test('a fresh verifier is 43 characters of the allowed alphabet, unique, with its own challenge', async () => {
  const first = await newPkce();
  const second = await newPkce();
  expect(first.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(first.verifier).not.toBe(second.verifier);
  expect(first.challenge).toBe(await s256Challenge(first.verifier));
  expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
});
