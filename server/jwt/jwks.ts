import { keyFitsAlgorithm, type SupportedAlgorithm } from './jwt';

/**
 * A provider's signing keys (its JWKS, RFC 7517 §5), kept per isolate. Providers rotate keys by
 * publishing the new one first, so a token whose `kid` is not in the cached set is the signal to
 * fetch again: once, and not more often than `minRefetchMs`, so a stream of tokens with made-up
 * kids cannot turn this Worker into a load generator against the provider.
 *
 * No I/O here: the fetch and the clock are given, so the policy is tested with tables.
 */
export type PublishedKey = JsonWebKey & { kid?: string; use?: string };

export interface JwksCacheOptions {
  /** Fetches the key set at this URL; throws when it cannot. */
  fetchKeys(uri: string): Promise<PublishedKey[]>;
  now?: () => number;
  /** A key set older than this is fetched again before use. */
  maxAgeMs?: number;
  /** An unknown kid causes a refetch only if the last fetch is at least this old. */
  minRefetchMs?: number;
}

interface Entry {
  keys: PublishedKey[];
  fetchedAt: number;
}

export class JwksCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry>>();
  readonly #options: Required<JwksCacheOptions>;

  constructor(options: JwksCacheOptions) {
    this.#options = { now: () => Date.now(), maxAgeMs: 10 * 60_000, minRefetchMs: 30_000, ...options };
  }

  /** The key that may verify a token with this kid and alg, or null when the provider publishes none. */
  async keyFor(uri: string, kid: string | undefined, alg: SupportedAlgorithm): Promise<PublishedKey | null> {
    const { now, maxAgeMs, minRefetchMs } = this.#options;
    let entry = this.#entries.get(uri);
    if (!entry || now() - entry.fetchedAt >= maxAgeMs) entry = await this.#refresh(uri);
    const found = pick(entry.keys, kid, alg);
    if (found || now() - entry.fetchedAt < minRefetchMs) return found;
    return pick((await this.#refresh(uri)).keys, kid, alg);
  }

  /** One fetch at a time per URI: concurrent callers share it. */
  #refresh(uri: string): Promise<Entry> {
    let pending = this.#inFlight.get(uri);
    if (!pending) {
      pending = this.#options
        .fetchKeys(uri)
        .then((keys) => {
          const entry = { keys, fetchedAt: this.#options.now() };
          this.#entries.set(uri, entry);
          return entry;
        })
        .finally(() => this.#inFlight.delete(uri));
      this.#inFlight.set(uri, pending);
    }
    return pending;
  }
}

/** With a kid, that key; without one (allowed by RFC 7515), only an unambiguous single fitting key. */
function pick(keys: PublishedKey[], kid: string | undefined, alg: SupportedAlgorithm): PublishedKey | null {
  const fitting = keys.filter((key) => keyFitsAlgorithm(key, alg));
  if (kid === undefined) return fitting.length === 1 ? fitting[0] : null;
  return fitting.find((key) => key.kid === kid) ?? null;
}

/** Parses a JWKS document, keeping only well-formed public keys. */
export function keysOf(document: unknown): PublishedKey[] {
  const keys = (document as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new TypeError('a JWKS document has a "keys" array');
  return keys.filter(
    (key): key is PublishedKey => typeof key === 'object' && key !== null && typeof (key as PublishedKey).kty === 'string' && !('d' in key),
  );
}
