import { decodeBase64url, encodeBase64url, encodeBase64urlText } from './base64url';

/**
 * JSON Web Tokens, the parts this server needs and no more: ID tokens (OpenID Connect Core §3.1.3.7)
 * and JWT access tokens (RFC 9068), signed with RS256 or ES256 (RFC 7518 §3.3, §3.4), verified with
 * WebCrypto. Every check that fails throws a JwtError naming the check, for the logs; callers
 * answer with a generic error. Nothing here does I/O: the key comes from the caller, and so
 * does the clock.
 */
export type JwtFailure =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_type'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_authorized_party'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_claim'
  | 'wrong_nonce';

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  crit?: unknown;
  [name: string]: unknown;
}

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  nonce?: string;
  azp?: string;
  [name: string]: unknown;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtClaims;
  signingInput: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

/** The algorithms accepted, and how WebCrypto spells each. Never `none`, never HMAC. */
const ALGORITHMS = {
  RS256: {
    import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    verify: { name: 'RSASSA-PKCS1-v1_5' },
    fits: (key: JsonWebKey) => key.kty === 'RSA' && typeof key.n === 'string' && key.n.length >= 342, // ≥ 2048-bit modulus
  },
  ES256: {
    import: { name: 'ECDSA', namedCurve: 'P-256' },
    verify: { name: 'ECDSA', hash: 'SHA-256' },
    fits: (key: JsonWebKey) => key.kty === 'EC' && key.crv === 'P-256',
  },
} as const;

export type SupportedAlgorithm = keyof typeof ALGORITHMS;
export const SUPPORTED_ALGORITHMS = Object.keys(ALGORITHMS) as SupportedAlgorithm[];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64url(part)));
  if (!isObject(value)) throw new TypeError('not a JSON object');
  return value;
}

/** Splits a compact JWS (RFC 7515 §7.1) and parses its header and payload. Checks nothing else. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part.length === 0)) throw new JwtError('malformed', 'not three non-empty parts');
  try {
    const header = decodeJson(parts[0]);
    const payload = decodeJson(parts[1]);
    if (typeof header.alg !== 'string') throw new TypeError('no alg');
    return {
      header: header as JwtHeader,
      payload: payload as JwtClaims,
      signingInput: new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
      signature: decodeBase64url(parts[2]),
    };
  } catch (error) {
    throw new JwtError('malformed', error instanceof Error ? error.message : 'undecodable');
  }
}

export function algorithmOf(jwt: DecodedJwt): SupportedAlgorithm {
  const alg = jwt.header.alg;
  if (!(alg in ALGORITHMS)) throw new JwtError('unsupported_algorithm', `alg ${JSON.stringify(alg).slice(0, 40)}`);
  // RFC 7515 §4.1.11: extensions we do not understand make the token invalid.
  if (jwt.header.crit !== undefined) throw new JwtError('unsupported_algorithm', 'crit header present');
  return alg as SupportedAlgorithm;
}

/** Whether a published key may verify this algorithm: its type, curve or size, `use` and `alg` must agree. */
export function keyFitsAlgorithm(key: JsonWebKey & { kid?: string; use?: string }, alg: SupportedAlgorithm): boolean {
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.alg !== undefined && key.alg !== alg) return false;
  return ALGORITHMS[alg].fits(key);
}

export async function verifySignature(jwt: DecodedJwt, key: JsonWebKey): Promise<void> {
  const alg = algorithmOf(jwt);
  if (!keyFitsAlgorithm(key, alg)) throw new JwtError('unknown_key', `the key does not fit ${alg}`);
  let cryptoKey: CryptoKey;
  try {
    const { kty, n, e, crv, x, y } = key; // only the public parts, whatever else the document carried
    cryptoKey = await crypto.subtle.importKey('jwk', { kty, n, e, crv, x, y }, ALGORITHMS[alg].import, false, ['verify']);
  } catch {
    throw new JwtError('unknown_key', 'the published key could not be imported');
  }
  const valid = await crypto.subtle.verify(ALGORITHMS[alg].verify, cryptoKey, jwt.signature, jwt.signingInput).catch(() => false);
  if (!valid) throw new JwtError('bad_signature', `${alg} signature does not verify`);
}

export interface ClaimRules {
  issuer: string;
  /** The audience this token must name (a client id for an ID token, a resource for an access token). */
  audience: string;
  /** Seconds since the epoch. */
  now: number;
  /** Allowed clock difference, in seconds, for exp, nbf and iat. */
  skewSeconds?: number;
  /** ID tokens: the nonce sent in the authorization request. */
  nonce?: string;
  /** ID tokens: the client id that `azp` must name, when present (and must be present with several audiences). */
  authorizedParty?: string;
  /** Accepted `typ` header values (RFC 8725 §3.11); `application/` prefixes are ignored. Unset: not checked. */
  types?: string[];
}

const DEFAULT_SKEW_SECONDS = 60;

export function checkClaims(jwt: DecodedJwt, rules: ClaimRules): void {
  const { header, payload } = jwt;
  const skew = rules.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (rules.types) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
    if (!rules.types.includes(typ)) throw new JwtError('wrong_type', `typ ${JSON.stringify(header.typ ?? null)}`);
  }
  if (payload.iss !== rules.issuer) throw new JwtError('wrong_issuer', `iss ${JSON.stringify(payload.iss ?? null).slice(0, 200)}`);
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (!audiences.includes(rules.audience)) throw new JwtError('wrong_audience', `aud ${JSON.stringify(payload.aud ?? null).slice(0, 200)}`);
  if (rules.authorizedParty !== undefined) {
    if (payload.azp !== undefined && payload.azp !== rules.authorizedParty) throw new JwtError('wrong_authorized_party', 'azp is another client');
    if (payload.azp === undefined && audiences.length > 1) throw new JwtError('wrong_authorized_party', 'several audiences and no azp');
  }
  if (typeof payload.exp !== 'number') throw new JwtError('missing_claim', 'exp');
  if (rules.now > payload.exp + skew) throw new JwtError('expired', `expired ${rules.now - payload.exp} s ago`);
  if (typeof payload.nbf === 'number' && rules.now + skew < payload.nbf) throw new JwtError('not_yet_valid', 'nbf is in the future');
  if (typeof payload.iat === 'number' && rules.now + skew < payload.iat) throw new JwtError('not_yet_valid', 'iat is in the future');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new JwtError('missing_claim', 'sub');
  if (rules.nonce !== undefined && payload.nonce !== rules.nonce) throw new JwtError('wrong_nonce', 'nonce differs from the one sent');
}

/**
 * Decode, find the key, verify the signature, then the claims: in that order, so that nothing in
 * an unverified payload is trusted (the header's kid and alg only choose which key to try).
 */
export async function verifyJwt(
  token: string,
  keyFor: (kid: string | undefined, alg: SupportedAlgorithm) => Promise<JsonWebKey | null>,
  rules: ClaimRules,
): Promise<{ header: JwtHeader; claims: JwtClaims }> {
  const jwt = decodeJwt(token);
  const alg = algorithmOf(jwt);
  const key = await keyFor(typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined, alg);
  if (!key) throw new JwtError('unknown_key', `no published key for kid ${JSON.stringify(jwt.header.kid ?? null).slice(0, 80)}`);
  await verifySignature(jwt, key);
  checkClaims(jwt, rules);
  return { header: jwt.header, claims: jwt.payload };
}

/** ES256 signing, for the simulated provider (server/simulated/oidc). */
export async function signJwt(header: JwtHeader, payload: JwtClaims, privateKey: CryptoKey): Promise<string> {
  const signingInput = `${encodeBase64urlText(JSON.stringify(header))}.${encodeBase64urlText(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(signingInput));
  return `${signingInput}.${encodeBase64url(signature)}`;
}
