import { afterEach, describe, expect, test, vi } from 'vitest';
import { clientAddressKey, rateLimitRefusal, REGISTRATION_RATE_LIMIT } from './rate-limit';

const from = (address?: string) => new Request('https://mcp.example/oauth/register', { method: 'POST', headers: address === undefined ? {} : { 'CF-Connecting-IP': address } });

/** A limiter that allows `allowed` requests in all, and remembers the keys it was asked about. */
function fakeLimiter(allowed: number) {
  const keys: string[] = [];
  return { keys, limit: async ({ key }: RateLimitOptions) => (keys.push(key), { success: keys.length <= allowed }) };
}

afterEach(() => vi.restoreAllMocks());

describe('clientAddressKey: whose count a request is', () => {
  test.each([
    ['an IPv4 address, as it is', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 address, by its /64', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['however the /64 is written', '2001:0DB8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['a compressed prefix', '2001:db8::1', '2001:db8:0:0::/64'],
    ['loopback', '::1', '0:0:0:0::/64'],
    ['an IPv4-mapped IPv6 address, as its IPv4 address', '::ffff:198.51.100.4', '198.51.100.4'],
    ['something else (only possible locally): one shared count', 'not an address', 'unrecognised-address'],
    ['too many groups', '1:2:3:4:5:6:7:8:9', 'unrecognised-address'],
    ['two compressions', '2001::db8::1', 'unrecognised-address'],
    ['no CF-Connecting-IP: not counted', undefined, null],
    ['an empty one', '', null],
  ])('%s', (_, address, key) => {
    expect(clientAddressKey(from(address))).toBe(key);
  });
});

describe('rateLimitRefusal', () => {
  test('lets requests through until the limiter says no, then answers 429 with Retry-After and the failure code', async () => {
    const limiter = fakeLimiter(1);
    expect(await rateLimitRefusal(from('192.0.2.1'), limiter, REGISTRATION_RATE_LIMIT)).toBeNull();
    const refusal = await rateLimitRefusal(from('192.0.2.1'), limiter, REGISTRATION_RATE_LIMIT);
    expect(limiter.keys).toEqual(['192.0.2.1', '192.0.2.1']);
    expect(refusal?.status).toBe(429);
    expect(Object.fromEntries(refusal!.headers)).toEqual({ 'cache-control': 'no-store', 'content-type': 'application/json', 'retry-after': '60' });
    expect(await refusal!.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Too many client registrations from this network address. Try again in 60 seconds.',
      failure: 'rate-limited',
    });
  });

  test('crossOrigin: any page may read the refusal and its Retry-After', async () => {
    const refusal = await rateLimitRefusal(from('192.0.2.1'), fakeLimiter(0), { counted: 'things', periodSeconds: 10 }, { crossOrigin: true });
    expect(refusal?.headers.get('retry-after')).toBe('10');
    expect(refusal?.headers.get('access-control-allow-origin')).toBe('*');
    expect(refusal?.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  test('no binding, or no client address: no limit, and the limiter is not asked', async () => {
    expect(await rateLimitRefusal(from('192.0.2.1'), undefined, REGISTRATION_RATE_LIMIT)).toBeNull();
    const limiter = fakeLimiter(0);
    expect(await rateLimitRefusal(from(), limiter, REGISTRATION_RATE_LIMIT)).toBeNull();
    expect(limiter.keys).toEqual([]);
  });

  test('a limiter that fails lets the request through, with a warning that names no address', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const failing = { limit: () => Promise.reject(new Error('unreachable')) };
    expect(await rateLimitRefusal(from('192.0.2.1'), failing, REGISTRATION_RATE_LIMIT)).toBeNull();
    expect(warn).toHaveBeenCalledWith('rate limit for client registrations not checked, request let through:', 'unreachable');
    expect(warn.mock.calls.flat().join(' ')).not.toContain('192.0.2.1');
  });
});
