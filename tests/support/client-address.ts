/**
 * Client network addresses for tests that act as distinct users. The Worker counts registrations
 * and started traces per CF-Connecting-IP (server/http/rate-limit.ts); in production Cloudflare
 * sets that header, locally the Worker sees what the client sent (loopback when it sends none).
 * A test user with an address of its own has a count of its own, so a whole test run from one
 * machine never adds up to one learner's limit.
 *
 * The addresses come from IPv6's documentation block 2001:db8::/32 (RFC 3849), each in a /64 of
 * its own (the limiter counts an IPv6 address by its /64), drawn at random: 2^32 of them.
 */
export const CLIENT_ADDRESS_HEADER = 'CF-Connecting-IP';

export function newClientAddress(): string {
  const [high, low] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${high.toString(16)}:${low.toString(16)}::1`;
}

/** `fetch`, as the client at `address`: every request says it comes from there. */
export function fetchFrom(address: string, inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set(CLIENT_ADDRESS_HEADER, address);
    return inner(input, { ...init, headers });
  };
}

/**
 * Waits, when the current count is about to end, until the next one starts, so that a test which
 * uses up a limit and then looks at the refusal does both in the same count. Locally (miniflare)
 * the counts run in windows of `periodSeconds` aligned to the clock; `neededSeconds` is how long
 * the test needs inside one.
 */
export async function untilAFreshWindowHasRoom(neededSeconds: number, periodSeconds = 60): Promise<void> {
  const period = periodSeconds * 1000;
  const left = period - (Date.now() % period);
  if (left < neededSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}
