import { calculateJwkThumbprint } from 'jose';

/**
 * The Simulated OIDC provider's signing keys: ES256 (ECDSA P-256), one per *generation*.
 *
 * Every isolate must sign with the same key and publish the same set, without a shared memory.
 * So a key is not stored: it is derived from SERVER_SECRET and its generation number (HMAC-SHA256 →
 * the private scalar). Only the generation and the rotation history live in KV
 * (`simulated-oidc:keys`). A rotation starts a new generation and keeps the previous public key
 * published for a grace period at least as long as any token it signed may live, so tokens
 * issued just before a rotation keep verifying; resource servers learn the new key the first time
 * they see its kid (server/jwt/jwt.ts).
 */
export const KEYS_KV_KEY = 'simulated-oidc:keys';
/** As long as the longest-lived token this provider signs (access tokens, one hour). */
export const ROTATION_GRACE_SECONDS = 60 * 60;

export interface KeyState {
  generation: number;
  /** Earlier generations and when they stopped signing, newest first; kept while still published. */
  retired: { generation: number; retiredAt: number }[];
}

export interface SigningKey {
  kid: string;
  generation: number;
  privateKey: CryptoKey;
  publicJwk: JsonWebKey & { kid: string; use: 'sig'; alg: 'ES256' };
}

const INITIAL: KeyState = { generation: 1, retired: [] };

// PKCS #8 for a P-256 private key without its public point (RFC 5915, RFC 5208); WebCrypto
// computes the public point on import. The 32-byte private scalar follows this prefix.
const PKCS8_P256_PREFIX = Uint8Array.from([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
  0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);

/**
 * Keys derived in this isolate, by secret, then generation. Only generations still published stay
 * (`forgetUnpublished`): anyone can rotate from the provider's page, and each rotation would
 * otherwise leave one more key in memory for as long as the isolate lives.
 */
const derived = new Map<string, Map<number, Promise<SigningKey>>>();

async function derive(secret: string, generation: number): Promise<SigningKey> {
  const hmac = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  // A scalar outside [1, n-1] is refused by the import (odds about 2^-32): take the next attempt.
  for (let attempt = 0; ; attempt++) {
    const scalar = new Uint8Array(
      await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(`simulated-oidc/signing-key/${generation}/${attempt}`)),
    );
    const pkcs8 = new Uint8Array(PKCS8_P256_PREFIX.length + 32);
    pkcs8.set(PKCS8_P256_PREFIX);
    pkcs8.set(scalar, PKCS8_P256_PREFIX.length);
    try {
      const extractable = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
      const { x, y } = (await crypto.subtle.exportKey('jwk', extractable)) as JsonWebKey;
      const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      // The kid is the key's RFC 7638 thumbprint: the same everywhere, and new with every key.
      const kid = await calculateJwkThumbprint({ crv: 'P-256', kty: 'EC', x, y }, 'sha256');
      return { kid, generation, privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid, use: 'sig', alg: 'ES256' } };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function keyFor(secret: string, generation: number): Promise<SigningKey> {
  let bySecret = derived.get(secret); // in memory only, like the secret itself
  if (!bySecret) {
    bySecret = new Map();
    derived.set(secret, bySecret);
  }
  let key = bySecret.get(generation);
  if (!key) {
    key = derive(secret, generation);
    key.catch(() => bySecret.delete(generation));
    bySecret.set(generation, key);
  }
  return key;
}

function forgetUnpublished(secret: string, published: number[]): void {
  const bySecret = derived.get(secret);
  for (const generation of bySecret?.keys() ?? []) if (!published.includes(generation)) bySecret!.delete(generation);
}

/** How many keys this isolate holds (its tests check that rotating does not make it grow). */
export function derivedKeyCount(): number {
  return [...derived.values()].reduce((sum, bySecret) => sum + bySecret.size, 0);
}

export async function keyState(kv: KVNamespace): Promise<KeyState> {
  const stored = await kv.get<KeyState>(KEYS_KV_KEY, 'json');
  return stored && Number.isInteger(stored.generation) && Array.isArray(stored.retired) ? stored : INITIAL;
}

/** The key new tokens are signed with. */
export async function currentSigningKey(kv: KVNamespace, secret: string, now = Date.now()): Promise<SigningKey> {
  const state = await keyState(kv);
  forgetUnpublished(secret, publishedGenerations(state, now));
  return keyFor(secret, state.generation);
}

/** Every key a verifier should accept now: the current one and those retired within the grace period. */
export async function publishedKeys(kv: KVNamespace, secret: string, now = Date.now()): Promise<SigningKey[]> {
  const generations = publishedGenerations(await keyState(kv), now);
  forgetUnpublished(secret, generations);
  return Promise.all(generations.map((generation) => keyFor(secret, generation)));
}

const stillPublished = (state: KeyState, now: number) => state.retired.filter((entry) => now - entry.retiredAt < ROTATION_GRACE_SECONDS * 1000);
/** The current generation, then the retired ones still published, newest first. */
const publishedGenerations = (state: KeyState, now: number) => [state.generation, ...stillPublished(state, now).map((entry) => entry.generation)];

/** Starts a new generation. Two rotations racing write the same next generation, hence the same key. */
export async function rotateKeys(kv: KVNamespace, now = Date.now()): Promise<KeyState> {
  const state = await keyState(kv);
  const next: KeyState = {
    generation: state.generation + 1,
    retired: [{ generation: state.generation, retiredAt: now }, ...stillPublished(state, now)],
  };
  await kv.put(KEYS_KV_KEY, JSON.stringify(next));
  return next;
}
