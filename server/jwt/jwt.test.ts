import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64url, encodeBase64urlText } from './base64url';
import { JwtError, localKeys, signJwt, verifyJwt, type ClaimRules, type JwtClaims, type JwtHeader } from './jwt';

const NOW = 1_800_000_000;
const ISSUER = 'https://id.example';
const CLIENT = 'worker-client';

let ec: CryptoKeyPair;
let ecPublic: JsonWebKey & { kid: string };
let rsa: CryptoKeyPair;
let rsaPublic: JsonWebKey & { kid: string };
let otherEc: CryptoKeyPair;

beforeAll(async () => {
  ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  ecPublic = { ...((await crypto.subtle.exportKey('jwk', ec.publicKey)) as JsonWebKey), kid: 'ec-1' };
  otherEc = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  rsa = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  rsaPublic = { ...((await crypto.subtle.exportKey('jwk', rsa.publicKey)) as JsonWebKey), kid: 'rsa-1' };
});

const claims = (overrides: JwtClaims = {}): JwtClaims => ({ iss: ISSUER, sub: 'user-1', aud: CLIENT, iat: NOW - 10, exp: NOW + 300, nonce: 'n-1', ...overrides });

const rules = (overrides: Partial<ClaimRules> = {}): ClaimRules => ({
  issuer: ISSUER,
  audience: CLIENT,
  now: new Date(NOW * 1000),
  nonce: 'n-1',
  authorizedParty: CLIENT,
  ...overrides,
});

/** A token signed by hand, for headers a careful library will not sign (crit, none, HS256). */
async function handSigned(header: object, payload: JwtClaims, privateKey: CryptoKey | null): Promise<string> {
  const input = `${encodeBase64urlText(JSON.stringify(header))}.${encodeBase64urlText(JSON.stringify(payload))}`;
  if (!privateKey) return `${input}.AAAA`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input));
  return `${input}.${encodeBase64url(signature)}`;
}

const keys = (...published: JsonWebKey[]) => localKeys({ keys: published as never });

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JwtError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('verifyJwt: the signature, with a key the provider publishes', () => {
  it('accepts an ES256 token signed by the published key', async () => {
    const token = await signJwt({ alg: 'ES256', kid: 'ec-1', typ: 'JWT' }, claims(), ec.privateKey);
    expect((await verifyJwt(token, keys(ecPublic), rules())).claims.sub).toBe('user-1');
  });

  it('accepts an RS256 token signed by the published key', async () => {
    const token = await signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), rsa.privateKey);
    expect((await verifyJwt(token, keys(rsaPublic), rules())).claims.sub).toBe('user-1');
  });

  it.each([
    ['signed by another key with the same kid', async () => signJwt({ alg: 'ES256', kid: 'ec-1' }, claims(), otherEc.privateKey), 'bad_signature'],
    ['a kid that is not published', async () => signJwt({ alg: 'ES256', kid: 'ec-9' }, claims(), ec.privateKey), 'unknown_key'],
    ['alg none', async () => handSigned({ alg: 'none', kid: 'ec-1' }, claims(), null), 'unsupported_algorithm'],
    ['alg HS256 (the public key used as an HMAC secret)', async () => handSigned({ alg: 'HS256', kid: 'ec-1' }, claims(), null), 'unsupported_algorithm'],
    ['an RS256 header over an EC key', async () => signJwt({ alg: 'RS256', kid: 'ec-1' }, claims(), rsa.privateKey), 'unknown_key'],
    ['a crit header it does not understand', async () => handSigned({ alg: 'ES256', kid: 'ec-1', crit: ['exp'] }, claims(), ec.privateKey), 'unsupported_algorithm'],
  ])('refuses %s', async (_label, make, reason) => {
    expect(await failure(verifyJwt(await make(), keys(ecPublic, rsaPublic), rules()))).toBe(reason);
  });

  it('refuses a payload changed after signing', async () => {
    const [header, , signature] = (await signJwt({ alg: 'ES256', kid: 'ec-1' }, claims(), ec.privateKey)).split('.');
    const forged = `${header}.${encodeBase64urlText(JSON.stringify(claims({ sub: 'admin' })))}.${signature}`;
    expect(await failure(verifyJwt(forged, keys(ecPublic), rules()))).toBe('bad_signature');
  });

  it('checks the signature before any claim: an expired forgery is a bad signature, not "expired"', async () => {
    const token = await signJwt({ alg: 'ES256', kid: 'ec-1' }, claims({ exp: NOW - 3600 }), otherEc.privateKey);
    expect(await failure(verifyJwt(token, keys(ecPublic), rules()))).toBe('bad_signature');
  });

  it.each(['', 'a.b', 'a.b.c.d', '..', 'e30.e30.', '!!!.e30.AAAA', `${encodeBase64urlText('[1]')}.e30.AAAA`, `${encodeBase64urlText('{"kid":"x"}')}.e30.AAAA`])(
    'refuses the malformed token %j',
    async (token) => {
      expect(await failure(verifyJwt(token, keys(ecPublic), rules()))).toBe('malformed');
    },
  );

  it('will not verify with a private key a key set should never carry', async () => {
    const exported = (await crypto.subtle.exportKey('jwk', ec.privateKey)) as JsonWebKey;
    const token = await signJwt({ alg: 'ES256', kid: 'ec-1' }, claims(), ec.privateKey);
    expect(await failure(verifyJwt(token, keys({ ...exported, kid: 'ec-1' } as JsonWebKey), rules()))).not.toBe('accepted');
  });
});

describe('verifyJwt: the claims, once the signature holds', () => {
  const check = async (payload: JwtClaims, overrides: Partial<ClaimRules> = {}, header: JwtHeader = { alg: 'ES256', kid: 'ec-1' }) =>
    failure(verifyJwt(await signJwt(header, payload, ec.privateKey), keys(ecPublic), rules(overrides)));

  it.each<[string, JwtClaims, Partial<ClaimRules>, string]>([
    ['valid claims', claims(), {}, 'accepted'],
    ['another issuer', claims({ iss: 'https://evil.example' }), {}, 'wrong_issuer'],
    ['the issuer with a trailing slash', claims({ iss: `${ISSUER}/` }), {}, 'wrong_issuer'],
    ['no issuer', claims({ iss: undefined }), {}, 'missing_claim'],
    ['another audience', claims({ aud: 'other-client' }), {}, 'wrong_audience'],
    ['the audience among several, with azp naming us', claims({ aud: [CLIENT, 'api'], azp: CLIENT }), {}, 'accepted'],
    ['several audiences and no azp', claims({ aud: [CLIENT, 'api'] }), {}, 'wrong_authorized_party'],
    ['azp naming another client', claims({ azp: 'other-client' }), {}, 'wrong_authorized_party'],
    ['expired beyond the skew', claims({ exp: NOW - 61 }), {}, 'expired'],
    ['expired within the skew', claims({ exp: NOW - 59 }), {}, 'accepted'],
    ['expired, with no skew allowed', claims({ exp: NOW - 1 }), { skewSeconds: 0 }, 'expired'],
    ['no exp', claims({ exp: undefined }), {}, 'missing_claim'],
    ['nbf in the future', claims({ nbf: NOW + 120 }), {}, 'not_yet_valid'],
    ['issued in the future', claims({ iat: NOW + 120 }), {}, 'not_yet_valid'],
    ['an exp that is a string', claims({ exp: String(NOW + 300) as unknown as number }), {}, 'malformed'],
    ['no sub', claims({ sub: undefined }), {}, 'missing_claim'],
    ['another nonce', claims({ nonce: 'n-2' }), {}, 'wrong_nonce'],
    ['no nonce when one was sent', claims({ nonce: undefined }), {}, 'wrong_nonce'],
    ['no nonce when none was sent', claims({ nonce: undefined }), { nonce: undefined }, 'accepted'],
  ])('%s → %s', async (_label, payload, overrides, expected) => {
    expect(await check(payload, overrides)).toBe(expected);
  });

  it.each<[string, string | undefined, string]>([
    ['at+jwt', 'at+jwt', 'accepted'],
    ['application/at+jwt', 'application/at+jwt', 'accepted'],
    ['AT+JWT', 'AT+JWT', 'accepted'],
    ['JWT (an ID token presented as an access token)', 'JWT', 'wrong_type'],
    ['no typ', undefined, 'wrong_type'],
  ])('typ %s → %s when at+jwt is required', async (_label, typ, expected) => {
    expect(await check(claims(), { types: ['at+jwt'] }, { alg: 'ES256', kid: 'ec-1', ...(typ && { typ }) })).toBe(expected);
  });
});
