/**
 * PKCE (RFC 7636) and `state`, with WebCrypto, so the same code runs in the browser and in Node.
 * The verifier stays in the page; only its SHA-256 hash (the challenge) travels in the
 * authorization URL, so whoever intercepts the code still cannot redeem it.
 */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `bytes` random bytes, base64url: 32 bytes give the 43-character verifier RFC 7636 §4.1 recommends. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 §4.2: `S256` challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
export async function s256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export async function newPkce(): Promise<Pkce> {
  const verifier = randomToken(32);
  return { verifier, challenge: await s256Challenge(verifier) };
}
