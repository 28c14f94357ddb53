import { describe, expect, it } from 'vitest';
import { currentSigningKey, derivedKeyCount, keyState, publishedKeys, rotateKeys, ROTATION_GRACE_SECONDS } from './keys';

/** Just enough of KVNamespace for the key state: one JSON value per key. */
function memoryKv(): KVNamespace {
  const values = new Map<string, string>();
  return {
    async get(key: string, type?: string) {
      const value = values.get(key) ?? null;
      return type === 'json' && value !== null ? JSON.parse(value) : value;
    },
    async put(key: string, value: string) {
      values.set(key, value);
    },
  } as unknown as KVNamespace;
}

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const NOW = 1_800_000_000_000;

describe('signing keys', () => {
  it('are the same wherever they are derived (every isolate agrees without sharing memory)', async () => {
    const [a, b] = [await currentSigningKey(memoryKv(), SECRET), await currentSigningKey(memoryKv(), SECRET)];
    expect(a.kid).toBe(b.kid);
    expect(a.publicJwk).toEqual(b.publicJwk);
  });

  it('differ between secrets, and between generations', async () => {
    const kv = memoryKv();
    const first = await currentSigningKey(kv, SECRET);
    expect((await currentSigningKey(memoryKv(), `${SECRET}x`)).kid).not.toBe(first.kid);
    await rotateKeys(kv, NOW);
    expect((await currentSigningKey(kv, SECRET)).kid).not.toBe(first.kid);
  });

  it('publish only public parts, with the kid as RFC 7638 thumbprint', async () => {
    const key = await currentSigningKey(memoryKv(), SECRET);
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const thumbprint = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv: 'P-256', kty: 'EC', x: key.publicJwk.x, y: key.publicJwk.y })));
    expect(key.kid).toBe(Buffer.from(thumbprint).toString('base64url'));
  });

  it('sign what their published half verifies', async () => {
    const key = await currentSigningKey(memoryKv(), SECRET);
    const data = new TextEncoder().encode('payload');
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, data);
    const { kty, crv, x, y } = key.publicJwk;
    const verifier = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verifier, signature, data)).toBe(true);
  });
});

describe('rotation', () => {
  it('starts a new generation and keeps the previous key published for the grace period, then drops it', async () => {
    const kv = memoryKv();
    const before = await currentSigningKey(kv, SECRET);
    await rotateKeys(kv, NOW);
    const after = await currentSigningKey(kv, SECRET);
    expect((await publishedKeys(kv, SECRET, NOW + 1000)).map((key) => key.kid)).toEqual([after.kid, before.kid]);
    expect((await publishedKeys(kv, SECRET, NOW + ROTATION_GRACE_SECONDS * 1000 - 1)).map((key) => key.kid)).toEqual([after.kid, before.kid]);
    expect((await publishedKeys(kv, SECRET, NOW + ROTATION_GRACE_SECONDS * 1000)).map((key) => key.kid)).toEqual([after.kid]);
  });

  it('twice within the grace period keeps both earlier keys, newest first', async () => {
    const kv = memoryKv();
    const kids = [(await currentSigningKey(kv, SECRET)).kid];
    await rotateKeys(kv, NOW);
    kids.unshift((await currentSigningKey(kv, SECRET)).kid);
    await rotateKeys(kv, NOW + 60_000);
    kids.unshift((await currentSigningKey(kv, SECRET)).kid);
    expect((await publishedKeys(kv, SECRET, NOW + 120_000)).map((key) => key.kid)).toEqual(kids);
  });

  it('forgets retired generations once they are past their grace period', async () => {
    const kv = memoryKv();
    await rotateKeys(kv, NOW);
    await rotateKeys(kv, NOW + ROTATION_GRACE_SECONDS * 1000 + 1);
    expect((await keyState(kv)).retired.map((entry) => entry.generation)).toEqual([2]);
  });

  it('leave in memory only the keys still published, however often the provider is rotated', async () => {
    const kv = memoryKv();
    const secret = `${SECRET}-rotated-often`;
    const held = () => derivedKeyCount();
    const before = held();
    let now = NOW;
    for (let rotation = 0; rotation < 6; rotation++) {
      await publishedKeys(kv, secret, now);
      await rotateKeys(kv, now);
      await currentSigningKey(kv, secret, now);
      now += ROTATION_GRACE_SECONDS * 1000; // the retired key's grace period is over at the next rotation
    }
    await publishedKeys(kv, secret, now);
    expect((await keyState(kv)).generation).toBe(7);
    // Generation 6 was retired exactly one grace period ago: no longer published, so no longer held.
    expect((await publishedKeys(kv, secret, now)).map((key) => key.generation)).toEqual([7]);
    expect(held() - before).toBe(1);
  });

  it('ignores a damaged state record', async () => {
    const kv = memoryKv();
    await kv.put('simulated-oidc:keys', JSON.stringify({ generation: 'x' }));
    expect(await keyState(kv)).toEqual({ generation: 1, retired: [] });
  });
});
