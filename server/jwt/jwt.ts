import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * JSON Web Tokens, with `jose`: ID tokens (OpenID Connect Core §3.1.3.7) and JWT access tokens
 * (RFC 9068) signed with RS256 or ES256, verified against a provider's published keys. This file
 * only states the rules and names the failed check: every check that fails throws a JwtError
 * naming it, for the logs; callers answer with a generic error.
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

export type JwtClaims = JWTPayload & { nonce?: string; azp?: string; [name: string]: unknown };
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

/** Never `none`, never HMAC: a key published for signatures cannot become a shared secret. */
export const SUPPORTED_ALGORITHMS = ['RS256', 'ES256'];

export interface ClaimRules {
  issuer: string;
  /** The audience this token must name (a client id for an ID token, a resource for an access token). */
  audience: string;
  /** Allowed clock difference, in seconds, for exp, nbf and iat. Default 60. */
  skewSeconds?: number;
  /** ID tokens: the nonce sent in the authorization request. */
  nonce?: string;
  /** ID tokens: the client id that `azp` must name, when present (and must be present with several audiences). */
  authorizedParty?: string;
  /** Accepted `typ` header values (RFC 8725 §3.11); `application/` prefixes are ignored. Unset: not checked. */
  types?: string[];
  /** For tests: the time to check against. */
  now?: Date;
}

/** The keys that may verify a token: a provider's published set (see `remoteKeys`, `localKeys`). */
export type KeySet = JWTVerifyGetKey;

/**
 * Verify, in this order: the header (alg, typ), the signature with a key the set offers for that
 * kid and alg, then the claims. Nothing in an unverified payload is trusted.
 */
export async function verifyJwt(token: string, keys: KeySet, rules: ClaimRules): Promise<{ header: JwtHeader; claims: JwtClaims }> {
  let header: JwtHeader;
  try {
    header = decodeProtectedHeader(token) as JwtHeader;
  } catch {
    throw new JwtError('malformed', 'no decodable header');
  }
  if (typeof header.alg !== 'string') throw new JwtError('malformed', 'no alg');
  if (!SUPPORTED_ALGORITHMS.includes(header.alg)) {
    throw new JwtError('unsupported_algorithm', `alg ${JSON.stringify(header.alg ?? null).slice(0, 40)}`);
  }
  if (rules.types) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
    if (!rules.types.includes(typ)) throw new JwtError('wrong_type', `typ ${JSON.stringify(header.typ ?? null)}`);
  }
  let claims: JwtClaims;
  try {
    ({ payload: claims } = await jwtVerify<JwtClaims>(token, keys, {
      algorithms: SUPPORTED_ALGORITHMS,
      issuer: rules.issuer,
      audience: rules.audience,
      clockTolerance: rules.skewSeconds ?? 60,
      requiredClaims: ['exp', 'sub'],
      ...(rules.now && { currentDate: rules.now }),
    }));
  } catch (error) {
    throw asJwtError(error);
  }
  // jose checks exp and nbf; a token issued in the future is as suspect (a skewed or lying issuer).
  const now = Math.floor((rules.now ?? new Date()).getTime() / 1000);
  if (typeof claims.iat === 'number' && now + (rules.skewSeconds ?? 60) < claims.iat) throw new JwtError('not_yet_valid', 'iat is in the future');
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (rules.authorizedParty !== undefined) {
    if (claims.azp !== undefined && claims.azp !== rules.authorizedParty) throw new JwtError('wrong_authorized_party', 'azp is another client');
    if (claims.azp === undefined && audiences.length > 1) throw new JwtError('wrong_authorized_party', 'several audiences and no azp');
  }
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw new JwtError('missing_claim', 'sub');
  if (rules.nonce !== undefined && claims.nonce !== rules.nonce) throw new JwtError('wrong_nonce', 'nonce differs from the one sent');
  return { header, claims };
}

/** jose's failures, named by the check that failed. Anything else (the key set could not be fetched) passes through. */
function asJwtError(error: unknown): unknown {
  if (error instanceof JwtError) return error;
  if (error instanceof errors.JWTExpired) return new JwtError('expired', error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return new JwtError('missing_claim', error.claim);
    if (error.claim === 'iss') return new JwtError('wrong_issuer', `iss ${JSON.stringify(error.payload.iss ?? null).slice(0, 200)}`);
    if (error.claim === 'aud') return new JwtError('wrong_audience', `aud ${JSON.stringify(error.payload.aud ?? null).slice(0, 200)}`);
    if (error.claim === 'nbf' || error.claim === 'iat') return new JwtError('not_yet_valid', `${error.claim} is in the future`);
    return new JwtError('malformed', `${error.claim}: ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new JwtError('bad_signature', 'the signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return new JwtError('unknown_key', error.message);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return new JwtError('unsupported_algorithm', error.message);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new JwtError('malformed', error.message);
  // A published key too weak or not usable for the algorithm (jose refuses RSA keys under 2048 bits).
  if (error instanceof TypeError && /key/i.test(error.message)) return new JwtError('unknown_key', error.message);
  return error;
}

/**
 * A provider's key set at `uri`, cached per isolate by jose: refetched after ten minutes, and when a
 * token names a kid the cached set lacks — at most once every 30 seconds, so tokens with made-up
 * kids cannot turn this Worker into a load generator against the provider. `fetchKeys` is how the
 * Worker reaches the provider (its own HTTP client, which it traces and times out).
 */
const remoteSets = new Map<string, KeySet>();
export function remoteKeys(uri: string, fetchKeys: (uri: string) => Promise<Response>): KeySet {
  let set = remoteSets.get(uri);
  if (!set) {
    set = createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, [customFetch]: (url: string) => fetchKeys(url) });
    remoteSets.set(uri, set);
  }
  return set;
}

/** Keys at hand (a provider checking its own tokens). */
export const localKeys = (set: JSONWebKeySet): KeySet => createLocalJWKSet(set);

/** ES256 signing, for the simulated provider (server/simulated/oidc). */
export function signJwt(header: JwtHeader, payload: JwtClaims, privateKey: CryptoKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
}
