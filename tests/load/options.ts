import { parseArgs } from 'node:util';
import { AUTH_OPTION_IDS, AUTH_OPTIONS, type AuthOptionId } from '../../server/catalogue.ts';

/**
 * What `npm run load` may be asked to do, checked before anything starts: how many learners, on
 * which option, transport and protocol revision, for how long at most, and against which origin.
 * Pure functions only (options.test.ts checks them): the load never leaves loopback, and its
 * counts and time are capped, so a typo cannot turn it into a flood.
 */
export const LEARNER_CAP = 500;
export const WAVE_CAP = 3;
export const MAX_SECONDS_CAP = 900;
export const IDLE_SECONDS_CAP = 600;

export const OPTION_CHOICES = [...AUTH_OPTION_IDS, 'mixed'] as const;
export type OptionChoice = (typeof OPTION_CHOICES)[number];
export const TRANSPORTS = ['streamable-http', 'sse'] as const;
export type LoadTransport = (typeof TRANSPORTS)[number];
export const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
export type LoadRevision = (typeof REVISIONS)[number];

export interface LoadOptions {
  /** Learners per wave. */
  learners: number;
  /** Waves of `learners`, one after the other: the second shows whether the server keeps growing. */
  waves: number;
  option: OptionChoice;
  transport: LoadTransport;
  revision: LoadRevision;
  /** A hard bound on the learners' work, all waves together; the run is cancelled and reported when it passes. */
  maxSeconds: number;
  /** After the last wave, how long to watch the preview's memory with no learners (what the runtime gives back once idle). */
  idleSeconds: number;
  /** A server already running on loopback; absent: the script starts its own `astro preview`. */
  origin?: string;
}

export class LoadArgumentError extends Error {
  override name = 'LoadArgumentError';
}

export const USAGE = `npm run load -- [--learners N] [--waves N] [--option ${OPTION_CHOICES.join('|')}]
                [--transport ${TRANSPORTS.join('|')}] [--revision ${REVISIONS.join('|')}]
                [--max-seconds S] [--idle-seconds S] [--origin http://localhost:PORT]

  --learners     learners per wave, run concurrently (default 50, at most ${LEARNER_CAP})
  --waves        waves of learners, one after the other (default 2, at most ${WAVE_CAP})
  --option       the auth option each learner runs; mixed spreads them over all four (default)
  --transport    streamable-http (default) or sse (legacy HTTP+SSE: option 1 only)
  --revision     the MCP revision the in-page client speaks (default 2025-11-25; 2026-07-28 is Streamable HTTP only)
  --max-seconds  hard time bound for all waves; learners still running are cancelled (default 300, at most ${MAX_SECONDS_CAP})
  --idle-seconds after the last wave, watch the preview's memory this long with no learners (default 60, at most ${IDLE_SECONDS_CAP})
  --origin       a server already running on loopback (localhost, 127.0.0.1 or [::1]); default: start the
                 production build with astro preview (storage and memory are measured only then)`;

function integerIn(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new LoadArgumentError(`--${name} must be a whole number, got "${value}"`);
  const number = Number(value);
  if (number < min || number > max) throw new LoadArgumentError(`--${name} must be between ${min} and ${max}, got ${number}`);
  return number;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new LoadArgumentError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The origin of a server on this machine's loopback interface, or an error. Only http, only the
 * three loopback names (not other 127.x addresses or names that merely resolve there), no path,
 * credentials, query or fragment: the load is for one's own machine, never someone's server.
 */
export function loopbackOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LoadArgumentError(`--origin must be a URL such as http://localhost:4321, got "${value}"`);
  }
  if (url.protocol !== 'http:') throw new LoadArgumentError(`--origin must use http: on loopback, got ${url.protocol}`);
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new LoadArgumentError(`--origin must be on loopback (localhost, 127.0.0.1 or [::1]): the load script never runs against another machine, got ${url.hostname}`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new LoadArgumentError(`--origin must be an origin only (scheme, host, port), got "${value}"`);
  }
  return url.origin;
}

export function parseLoadArguments(argv: string[]): LoadOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        learners: { type: 'string' },
        waves: { type: 'string' },
        option: { type: 'string' },
        transport: { type: 'string' },
        revision: { type: 'string' },
        'max-seconds': { type: 'string' },
        'idle-seconds': { type: 'string' },
        origin: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new LoadArgumentError(error instanceof Error ? error.message : String(error));
  }
  const options: LoadOptions = {
    learners: integerIn('learners', values.learners ?? '50', 1, LEARNER_CAP),
    waves: integerIn('waves', values.waves ?? '2', 1, WAVE_CAP),
    option: oneOf('option', values.option ?? 'mixed', OPTION_CHOICES),
    transport: oneOf('transport', values.transport ?? 'streamable-http', TRANSPORTS),
    revision: oneOf('revision', values.revision ?? '2025-11-25', REVISIONS),
    maxSeconds: integerIn('max-seconds', values['max-seconds'] ?? '300', 1, MAX_SECONDS_CAP),
    idleSeconds: integerIn('idle-seconds', values['idle-seconds'] ?? '60', 0, IDLE_SECONDS_CAP),
    ...(values.origin !== undefined && { origin: loopbackOrigin(values.origin) }),
  };
  if (options.transport === 'sse') {
    const withoutSse = optionsOf(options.option).filter((id) => !('sse' in AUTH_OPTIONS[id].endpoints));
    if (withoutSse.length > 0) throw new LoadArgumentError(`--transport sse: ${withoutSse.join(', ')} ha${withoutSse.length === 1 ? 's' : 've'} no legacy SSE endpoint; use --option worker`);
    if (options.revision === '2026-07-28') throw new LoadArgumentError('--revision 2026-07-28 has no HTTP+SSE transport; use --transport streamable-http');
  }
  return options;
}

/** The options a run uses: one, or all four for `mixed`. */
export const optionsOf = (choice: OptionChoice): AuthOptionId[] => (choice === 'mixed' ? [...AUTH_OPTION_IDS] : [choice]);

/** Learner `index`'s option: `mixed` deals them out in turn, so each option gets a quarter. */
export const optionFor = (choice: OptionChoice, index: number): AuthOptionId => {
  const options = optionsOf(choice);
  return options[index % options.length];
};

/** The documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): 3 × 254 hosts. */
const IPV4_BLOCKS = ['192.0.2', '198.51.100', '203.0.113'];
const IPV4_HOSTS = IPV4_BLOCKS.length * 254;

/**
 * The address learner `index` (counted over the whole run) sends as CF-Connecting-IP, the header
 * the Worker keys its per-client rate limits on: one per learner, so 50 learners from loopback are
 * 50 clients rather than one. Documentation ranges only (RFC 5737, RFC 3849), never a real host.
 * Every fifth learner is IPv6, each in its own /48, so a limiter that groups IPv6 by prefix still
 * sees separate clients; the IPv4 ranges, once used up, give way to IPv6 too.
 */
export function learnerAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 0xffff) throw new RangeError(`no documentation address for learner ${index}`);
  const ipv4Ordinal = index - Math.floor((index + 1) / 5);
  if (index % 5 === 4 || ipv4Ordinal >= IPV4_HOSTS) return `2001:db8:${(index + 1).toString(16)}::1`;
  return `${IPV4_BLOCKS[Math.floor(ipv4Ordinal / 254)]}.${(ipv4Ordinal % 254) + 1}`;
}
