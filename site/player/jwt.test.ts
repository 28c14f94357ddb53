import { describe, expect, it } from 'vitest';
import { decodeJwt, findJwts } from './jwt';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }) =>
  `${part(header)}.${part(payload)}.c2lnbmF0dXJl`;

describe('decodeJwt', () => {
  it('decodes the header and the payload', () => {
    const jwt = token({ sub: 'ada', aud: 'https://lab.example.com/mcp', exp: 1_900_000_000 });
    expect(decodeJwt(jwt)).toEqual({ token: jwt, header: { alg: 'RS256', typ: 'JWT' }, payload: { sub: 'ada', aud: 'https://lab.example.com/mcp', exp: 1_900_000_000 } });
  });

  it('reads UTF-8 claims', () => {
    expect(decodeJwt(token({ name: 'Zoë 🔑' }))?.payload.name).toBe('Zoë 🔑');
  });

  it('refuses what only looks like a token', () => {
    expect(decodeJwt('user:grant:secret')).toBeNull(); // workers-oauth-provider's opaque tokens
    expect(decodeJwt(`${part({ typ: 'JWT' })}.${part({ sub: 'x' })}.sig`)).toBeNull(); // no alg
    expect(decodeJwt(`${part([1])}.${part({ sub: 'x' })}.sig`)).toBeNull(); // header not an object
    expect(decodeJwt(`${token({ a: 1 })}.extra`)).toBeNull(); // five parts is a JWE, not this
  });
});

describe('findJwts', () => {
  it('finds each distinct token in a body or header, in order', () => {
    const first = token({ n: 1 });
    const second = token({ n: 2 });
    const body = JSON.stringify({ access_token: first, id_token: second, again: first });
    expect(findJwts(body).map((jwt) => jwt.payload.n)).toEqual([1, 2]);
    expect(findJwts(`Bearer ${first}`)).toHaveLength(1);
    expect(findJwts(null)).toEqual([]);
  });
});
