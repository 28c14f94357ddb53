import { describe, expect, test } from 'vitest';
import { audienceCheck, CHECK_FAILURES, issCheck, issuerMatchCheck, resourceSentCheck, s256Check, stateCheck, tokenAudienceCheck } from './checks';
import { FAILURES } from './failures';

const callback = (query: string) => new URL(`http://lab.test/lab/callback?${query}`);
const ISSUER = 'http://lab.test';

describe('state (RFC 6749 §10.12)', () => {
  test.each([
    ['code=c&state=abc', true],
    ['code=c&state=abd', false],
    ['code=c', false],
    ['code=c&state=abc&state=abc', false],
    ['code=c&state=ABC', false],
  ])('%s → %s', (query, ok) => {
    expect(stateCheck('abc', callback(query)).ok).toBe(ok);
  });
});

describe('iss (RFC 9207 §2.4, as MCP applies it)', () => {
  test.each([
    [true, `iss=${encodeURIComponent(ISSUER)}`, true],
    [true, '', false],
    [true, 'iss=http%3A%2F%2Flab.test%2F', false], // no trailing-slash normalisation
    [true, 'iss=HTTP%3A%2F%2Flab.test', false], // no case folding
    [true, 'iss=http%3A%2F%2Flab.test%3A80', false], // no default-port elision
    [false, '', true],
    [false, 'iss=https%3A%2F%2Fevil.test', false],
    [true, `iss=${encodeURIComponent(ISSUER)}&iss=${encodeURIComponent(ISSUER)}`, false],
  ])('advertised %s, %s → %s', (advertised, query, ok) => {
    expect(issCheck(ISSUER, advertised, callback(`code=c&${query}`)).ok).toBe(ok);
  });
});

test.each([
  [ISSUER, true],
  [`${ISSUER}/`, false],
  [undefined, false],
])('issuer-match (RFC 8414 §3.3): %s', (issuer, ok) => {
  expect(issuerMatchCheck(ISSUER, issuer)).toMatchObject({ id: 'issuer-match', ok });
});

test.each([
  [['S256'], true],
  [['plain', 'S256'], true],
  [['plain'], false],
  [undefined, false],
  ['S256', false],
])('s256-advertised: %s', (methods, ok) => {
  expect(s256Check(methods).ok).toBe(ok);
});

test('resource-sent: on both requests, exactly the server URL', () => {
  const server = 'http://lab.test/mcp';
  const authorize = (resource?: string) => new URL(`http://lab.test/authorize?client_id=c${resource ? `&resource=${encodeURIComponent(resource)}` : ''}`);
  const token = (resource?: string) => new URLSearchParams(resource ? { code: 'x', resource } : { code: 'x' });
  expect(resourceSentCheck(server, authorize(server), token(server)).ok).toBe(true);
  expect(resourceSentCheck(server, authorize(), token(server)).message).toBe('Expected resource "http://lab.test/mcp"; the authorization request had (absent), the token request "http://lab.test/mcp".');
  expect(resourceSentCheck(server, authorize(server), token()).ok).toBe(false);
  expect(resourceSentCheck(server, authorize('http://lab.test/sse'), token('http://lab.test/sse')).ok).toBe(false);
});

test('audience (RFC 9728 §3.3): the metadata describes exactly this server', () => {
  expect(audienceCheck('http://lab.test/mcp', 'http://lab.test/mcp').ok).toBe(true);
  expect(audienceCheck('http://lab.test/mcp', 'http://lab.test').ok).toBe(false);
});

describe('token audience (RFC 9068 §3): decoded, not verified, and never stopping the flow', () => {
  const server = 'http://lab.test/external/mcp';
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jwt = (claims: unknown) => `${segment({ alg: 'ES256', typ: 'at+jwt' })}.${segment(claims)}.c2lnbmF0dXJl`;

  test.each([
    ['aud is the server', { aud: server, sub: 'ü' }, true],
    ['aud lists the server', { aud: ['https://other.example', server] }, true],
    ['aud is another resource', { aud: 'http://lab.test/simulated/oidc/userinfo' }, false],
    ['no aud', { sub: 'x' }, false],
  ])('%s', (_, claims, ok) => {
    const check = tokenAudienceCheck(server, jwt(claims))!;
    expect(check).toMatchObject({ id: 'token-audience', ok, advisory: true });
    expect(check.message).toContain(JSON.stringify((claims as { aud?: unknown }).aud ?? null) === 'null' ? '(absent)' : JSON.stringify((claims as { aud?: unknown }).aud));
  });

  test.each([['an opaque token', 'userId:grantId:secret'], ['three parts that are not JSON', 'a.b.c'], ['a JSON array payload', `x.${segment([1])}.y`]])('nothing to say about %s', (_, token) => {
    expect(tokenAudienceCheck(server, token)).toBeNull();
  });
});

test('every failed check has a catalogue entry that explains it', () => {
  for (const id of Object.values(CHECK_FAILURES)) expect(FAILURES.map((entry) => entry.id)).toContain(id);
});
