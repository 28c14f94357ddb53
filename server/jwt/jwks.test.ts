import { describe, expect, it } from 'vitest';
import { JwksCache, keysOf, type PublishedKey } from './jwks';

const URI = 'https://id.example/jwks';
const ec = (kid: string): PublishedKey => ({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid });
const rsa = (kid: string): PublishedKey => ({ kty: 'RSA', n: 'n'.repeat(342), e: 'AQAB', kid });

/** A provider whose published keys a test can change, counting the fetches, on a clock the test moves. */
function provider(initial: PublishedKey[]) {
  const state = { keys: initial, fetches: 0, now: 1_000_000, failing: false };
  const cache = new JwksCache({
    now: () => state.now,
    maxAgeMs: 600_000,
    minRefetchMs: 30_000,
    async fetchKeys() {
      state.fetches++;
      if (state.failing) throw new Error('provider down');
      return state.keys;
    },
  });
  return { state, cache };
}

describe('JwksCache', () => {
  it('fetches once, then answers from the cache', async () => {
    const { state, cache } = provider([ec('a')]);
    expect(await cache.keyFor(URI, 'a', 'ES256')).toMatchObject({ kid: 'a' });
    expect(await cache.keyFor(URI, 'a', 'ES256')).toMatchObject({ kid: 'a' });
    expect(state.fetches).toBe(1);
  });

  it('fetches again after maxAge', async () => {
    const { state, cache } = provider([ec('a')]);
    await cache.keyFor(URI, 'a', 'ES256');
    state.now += 600_000;
    await cache.keyFor(URI, 'a', 'ES256');
    expect(state.fetches).toBe(2);
  });

  it('an unknown kid triggers exactly one refetch, which finds a newly published key', async () => {
    const { state, cache } = provider([ec('a')]);
    await cache.keyFor(URI, 'a', 'ES256');
    state.now += 60_000;
    state.keys = [ec('b'), ec('a')]; // the provider rotated
    expect(await cache.keyFor(URI, 'b', 'ES256')).toMatchObject({ kid: 'b' });
    expect(state.fetches).toBe(2);
  });

  it('an unknown kid soon after a fetch does not refetch (rate limit)', async () => {
    const { state, cache } = provider([ec('a')]);
    await cache.keyFor(URI, 'a', 'ES256');
    state.now += 29_999;
    expect(await cache.keyFor(URI, 'made-up', 'ES256')).toBeNull();
    expect(state.fetches).toBe(1);
  });

  it('a stream of made-up kids costs at most one fetch per interval', async () => {
    const { state, cache } = provider([ec('a')]);
    await cache.keyFor(URI, 'a', 'ES256');
    state.now += 30_000;
    for (let i = 0; i < 50; i++) expect(await cache.keyFor(URI, `made-up-${i}`, 'ES256')).toBeNull();
    expect(state.fetches).toBe(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const { state, cache } = provider([ec('a')]);
    await Promise.all([cache.keyFor(URI, 'a', 'ES256'), cache.keyFor(URI, 'a', 'ES256'), cache.keyFor(URI, 'a', 'ES256')]);
    expect(state.fetches).toBe(1);
  });

  it('a failed fetch is thrown, and the next call tries again', async () => {
    const { state, cache } = provider([ec('a')]);
    state.failing = true;
    await expect(cache.keyFor(URI, 'a', 'ES256')).rejects.toThrow('provider down');
    state.failing = false;
    expect(await cache.keyFor(URI, 'a', 'ES256')).toMatchObject({ kid: 'a' });
  });

  it.each<[string, PublishedKey[], string | undefined, 'ES256' | 'RS256', string | null]>([
    ['the kid, for its algorithm', [ec('a'), rsa('r')], 'r', 'RS256', 'r'],
    ['not a key of another type with that kid', [rsa('a')], 'a', 'ES256', null],
    ['not an encryption key', [{ ...ec('a'), use: 'enc' }], 'a', 'ES256', null],
    ['not a key pinned to another alg', [{ ...ec('a'), alg: 'ES384' }], 'a', 'ES256', null],
    ['without kid: the single fitting key', [ec('a'), rsa('r')], undefined, 'ES256', 'a'],
    ['without kid: nothing when ambiguous', [ec('a'), ec('b')], undefined, 'ES256', null],
  ])('picks %s', async (_label, keys, kid, alg, expected) => {
    const { cache } = provider(keys);
    expect((await cache.keyFor(URI, kid, alg))?.kid ?? null).toBe(expected);
  });
});

describe('keysOf', () => {
  it('keeps public keys and drops anything carrying a private part', () => {
    expect(keysOf({ keys: [ec('a'), { ...ec('b'), d: 'secret' }, 'junk', null] }).map((key) => key.kid)).toEqual(['a']);
  });

  it.each([null, {}, { keys: 'x' }, []])('refuses %j', (document) => {
    expect(() => keysOf(document)).toThrow(TypeError);
  });
});
