import { FAILURE_PARAMETER, type FailureCode } from '../failure-codes';

/**
 * Limits per client network address, counted by Cloudflare's Rate Limiting binding (`ratelimits`
 * in wrangler.jsonc; locally the same code runs in workerd). They guard what makes the Worker
 * store something for anyone who asks: here, client registration (a KV record per client); a host
 * that wraps the server can count its own such endpoints the same way. The numbers are in
 * wrangler.jsonc, with why.
 *
 *   - The key is the address Cloudflare's edge puts in CF-Connecting-IP, which a client cannot
 *     choose (Cloudflare sets it). An IPv6 address counts by its /64, the block one subscriber is
 *     usually given, so stepping through the addresses of one's own block gains nothing. Under
 *     `wrangler dev` the header is the loopback address, or whatever the client sent (tests act as
 *     distinct users that way).
 *   - A request without CF-Connecting-IP did not come from the internet through Cloudflare (a
 *     service binding, a test calling the handler directly): it is not counted.
 *   - No binding (a fork that left it out of wrangler.jsonc): no limit.
 *   - The binding fails: the request goes through, with a warning in the log. The limit keeps
 *     floods out of storage; nothing depends on it for correctness, and refusing everyone
 *     because the counter could not be reached would turn its outage into the server's.
 *
 * A refusal is a 429 (RFC 6585 §4) with Retry-After (RFC 9110 §10.2.3): the binding's period,
 * the longest a client can have to wait. Its body is an OAuth-style error, with the failure code
 * `rate-limited` (failure-codes.ts) beside it.
 */
export interface RateLimitRule {
  /** What is counted, in words, for the refusal: e.g. `client registrations`. */
  counted: string;
  /** The binding's `simple.period` in wrangler.jsonc (Cloudflare allows 10 or 60). */
  periodSeconds: 10 | 60;
}

/** The registration endpoints: this Worker's (RFC 7591, the library's) and a simulated provider's. */
export const REGISTRATION_RATE_LIMIT: RateLimitRule = { counted: 'client registrations', periodSeconds: 60 };

const RATE_LIMITED: FailureCode = 'rate-limited';
/** Not an address Cloudflare would send (only possible locally): all such requests share one count. */
const UNRECOGNISED = 'unrecognised-address';

/**
 * Counts this request against `limiter` under its client's address: the 429 to answer when the
 * limit is reached, else null. `crossOrigin`: the endpoint serves other origins' browser clients,
 * which may read the refusal and its Retry-After.
 */
export async function rateLimitRefusal(
  request: Request,
  limiter: RateLimit | undefined,
  rule: RateLimitRule,
  options: { crossOrigin?: boolean } = {},
): Promise<Response | null> {
  const key = clientAddressKey(request);
  if (!limiter || key === null) return null;
  let outcome: RateLimitOutcome;
  try {
    outcome = await limiter.limit({ key });
  } catch (error) {
    console.warn(`rate limit for ${rule.counted} not checked, request let through:`, error instanceof Error ? error.message : error);
    return null;
  }
  if (outcome.success) return null;
  return Response.json(
    {
      error: 'temporarily_unavailable',
      error_description: `Too many ${rule.counted} from this network address. Try again in ${rule.periodSeconds} seconds.`,
      [FAILURE_PARAMETER]: RATE_LIMITED,
    },
    {
      status: 429,
      headers: {
        'Retry-After': String(rule.periodSeconds),
        'Cache-Control': 'no-store',
        ...(options.crossOrigin && { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' }),
      },
    },
  );
}

/** The count a request belongs to: its client's address (an IPv6 one by its /64), or null when it has none. */
export function clientAddressKey(request: Request): string | null {
  const address = request.headers.get('cf-connecting-ip')?.trim().toLowerCase();
  if (!address) return null;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1];
  return ipv6Block(address) ?? UNRECOGNISED;
}

/** `2001:db8:1:2::/64` for any address in that block; null when `address` is not an IPv6 address. */
function ipv6Block(address: string): string | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  const [left, right] = [groupsOf(halves[0]), groupsOf(halves[1] ?? '')];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
