/** base64url without padding (RFC 4648 §5), as JOSE and PKCE use it. */
export function encodeBase64url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const encodeBase64urlText = (text: string) => encodeBase64url(new TextEncoder().encode(text));

/** Strict: anything but the base64url alphabet (no padding, no whitespace) is refused. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new TypeError('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export const randomToken = (bytes = 32) => encodeBase64url(crypto.getRandomValues(new Uint8Array(bytes)));

export async function sha256Base64url(text: string): Promise<string> {
  return encodeBase64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}
