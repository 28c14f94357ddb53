import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExternalGrantState, GrantState, IssuedHereGrantState } from '../../server/lab/grant-state';
import { signJwt } from '../../server/jwt/jwt';
import { currentSigningKey } from '../../server/simulated/oidc/keys';
import { EXTERNAL_RESOURCE, externalToken } from './support/external-client';
import { refresh, tokenRequest, tokensFrom } from './support/oauth-client';
import { callTool, configure, ENDPOINTS, resourceOf, restoreConfiguration, serverEnv, tokenFor, type EndpointName } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// GET /lab/grant-state (server/lab/grant-state.ts): what the Worker keeps for the bearer token's
// own grant, for the lab page's panel. The token is the proof of ownership, checked as its MCP
// endpoint checks it; secrets never leave in clear; anything else is a 4xx, never a 500.

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  restoreConfiguration();
});

const WRITE = 'mcp:read mcp:write';
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

function grantState(token: string | null, resource: string | null, headers: Record<string, string> = {}, method = 'GET') {
  const url = new URL('/lab/grant-state', ORIGIN);
  if (resource !== null) url.searchParams.set('resource', resource);
  return callWorker(url, { method, headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...headers } });
}

/** 200, no-store, and the body as text (for "this secret is nowhere in it") and as the typed value. */
async function readState<T extends GrantState>(token: string, resource: string) {
  const response = await grantState(token, resource, { 'sec-fetch-site': 'same-origin' });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('access-control-allow-origin')).toBeNull();
  return { text, state: JSON.parse(text) as T };
}

async function expectRefused(response: Response, status: number, error: string) {
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status).toBe(status);
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']); // never any data
  expect(body.error).toBe(error);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))].map((byte) => byte.toString(16).padStart(2, '0')).join('');

/** `<userId>:<grantId>:<secret>`: the library's opaque token. */
const partsOf = (token: string) => {
  const [userId, grantId, secret] = token.split(':');
  return { userId, grantId, secret };
};

const field = (state: IssuedHereGrantState, path: string) => state.props.find((candidate) => candidate.path === path);

describe('option 1: the grant, its token records, the props, the notes', () => {
  it('reads this grant exactly as the library stored it, hashes only', async () => {
    const userName = unique('gs-ada');
    const resource = resourceOf('worker');
    const { client, tokens } = await tokenFor(resource, { userName, scope: WRITE });
    await callTool(ENDPOINTS.worker, tokens.access_token, 'save_note', { text: 'kept in KV', tag: 'idea' });

    const { text, state } = await readState<IssuedHereGrantState>(tokens.access_token, resource);
    const { grantId, secret } = partsOf(tokens.access_token);
    expect(state).toMatchObject({ kind: 'grant', option: 'worker', optionNumber: '1', resource, userId: userName, upstream: null });
    expect(state.presentedToken).toEqual({ userId: userName, grantId, secretLength: secret.length, idHash: await sha256Hex(tokens.access_token) });

    const grant = state.grant!;
    expect(grant).toMatchObject({
      key: `grant:${userName}:${grantId}`,
      id: grantId,
      userId: userName,
      clientId: client.clientId,
      scope: ['mcp:read', 'mcp:write'],
      resource,
      redirectUri: client.redirectUri,
      authorizationCode: { exchanged: true },
      pkce: null, // the library drops the challenge once the code is exchanged
      refreshToken: { idHash: await sha256Hex(tokens.refresh_token!), previousIdHash: null },
    });
    expect(grant.authorizationCode!.idHash).toMatch(/^[0-9a-f]{64}$/);
    expect(grant.metadata).toContainEqual({ path: 'userName', value: userName });
    // Once the code is exchanged, only the refresh token's copy of the props' key is left in the grant.
    expect(grant.wrappedKeys).toEqual([{ for: 'refresh-token', bytes: 40 }]);
    expect(grant.encryptedProps.holds.sort()).toEqual(['signedInWith', 'userId', 'userName']);
    expect(grant.encryptedProps.bytes).toBeGreaterThan(16);
    const now = Date.now() / 1000;
    expect(grant.createdAt).toBeGreaterThan(now - 120);
    // KV keeps the grant for the refresh token's lifetime (30 days), well beyond the access token's hour.
    expect(grant.kvExpiresAt!).toBeGreaterThan(now + 29 * 86400);

    expect(state.tokens).toHaveLength(1);
    const [record] = state.tokens;
    expect(record).toMatchObject({
      key: `token:${userName}:${grantId}:${await sha256Hex(tokens.access_token)}`,
      idHash: await sha256Hex(tokens.access_token),
      current: true,
      audience: resource,
      scope: ['mcp:read', 'mcp:write'],
      clientId: client.clientId,
      wrappedKeyBytes: 40,
    });
    expect(record.expiresAt - record.createdAt).toBe(3600);
    expect(Math.abs(record.kvExpiresAt! - record.expiresAt)).toBeLessThanOrEqual(2);

    expect(state.props).toEqual(
      expect.arrayContaining([
        { path: 'signedInWith', value: 'worker' },
        { path: 'userId', value: userName },
        { path: 'userName', value: userName },
      ]),
    );
    expect(state.note).toMatchObject({ key: `note:${userName}`, kvExpiresAt: expect.any(Number), count: 1, notes: [{ text: 'kept in KV', tag: 'idea' }] });

    // No token, secret part or wrapped key leaves in clear.
    expect(text).not.toContain(tokens.access_token);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(tokens.refresh_token!);
    expect(text).not.toContain(partsOf(tokens.refresh_token!).secret);
    const stored = (await serverEnv.OAUTH_KV.get<Record<string, string>>(grant.key, 'json'))!;
    expect(text).not.toContain(stored.encryptedProps);
    expect(text).not.toContain(stored.refreshTokenWrappedKey);
  });

  it('after a refresh: both access token records (the presented one marked), the rotated refresh token', async () => {
    const resource = resourceOf('worker');
    const { client, tokens } = await tokenFor(resource, { userName: unique('gs-refresh') });
    const renewed = await tokensFrom(await refresh(client, tokens.refresh_token!, resource));
    const { state } = await readState<IssuedHereGrantState>(renewed.access_token, resource);
    expect(state.tokens.map((record) => record.current)).toEqual([true, false]);
    expect(state.tokens[0].idHash).toBe(await sha256Hex(renewed.access_token));
    expect(state.tokens[1].idHash).toBe(await sha256Hex(tokens.access_token));
    expect(state.grant!.refreshToken).toEqual({ idHash: await sha256Hex(renewed.refresh_token!), previousIdHash: await sha256Hex(tokens.refresh_token!) });
    expect(state.grant!.wrappedKeys.map((key) => key.for)).toEqual(['refresh-token', 'previous-refresh-token']);
  });

  it('the SSE endpoint’s tokens are read for /sse', async () => {
    const resource = resourceOf('sse');
    const { tokens } = await tokenFor(resource, { userName: unique('gs-sse') });
    const { state } = await readState<IssuedHereGrantState>(tokens.access_token, resource);
    expect(state).toMatchObject({ option: 'worker', resource, grant: { resource }, tokens: [{ audience: resource }] });
  });
});

describe('options 2 and 3a: the provider’s token lives in the encrypted props, masked here', () => {
  it('option 2: the GitHub token is github.accessToken, shown as gho_…(N chars)', async () => {
    const network = routeUpstreamToWorker();
    const resource = resourceOf('github');
    const { client, tokens } = await tokenFor(resource);
    await callTool(ENDPOINTS.github, tokens.access_token, 'github_profile');
    const githubToken = network.to('/simulated/github/api/user').at(-1)!.headers.get('authorization')!.replace('Bearer ', '');
    expect(githubToken).toMatch(/^gho_/);

    const calls = network.calls.length;
    const { text, state } = await readState<IssuedHereGrantState>(tokens.access_token, resource);
    expect(network.calls).toHaveLength(calls); // read from KV only: GitHub is not asked
    expect(state).toMatchObject({ kind: 'grant', option: 'github', optionNumber: '2', resource, grant: { clientId: client.clientId, resource } });
    expect(state.userId).toMatch(/^simulated-github_\d+$/);
    expect(state.upstream).toEqual({
      propPath: 'github.accessToken',
      provider: 'Simulated GitHub',
      token: { text: `gho_…(${githubToken.length} chars)`, prefix: 'gho_', length: githubToken.length },
    });
    expect(field(state, 'github.accessToken')).toEqual({ path: 'github.accessToken', secret: state.upstream!.token });
    expect(field(state, 'github.login')).toEqual({ path: 'github.login', value: 'mona' });
    expect(field(state, 'signedInWith')).toEqual({ path: 'signedInWith', value: 'github' });
    expect(state.grant!.encryptedProps.holds).toEqual(expect.arrayContaining(['github.accessToken', 'github.login', 'github.provider', 'github.userUrl']));
    expect(state.grant!.metadata).toEqual(expect.arrayContaining([{ path: 'signedInWith', value: expect.any(String) }]));

    expect(text).not.toContain(githubToken);
    expect(text).not.toContain(githubToken.slice(4));
    expect(text).not.toContain(tokens.access_token);
  });

  it('option 3a: the provider’s access token is oidc.accessToken, shown as eyJ…(N chars); the ID token is not kept', async () => {
    const network = routeUpstreamToWorker();
    const resource = resourceOf('oidc');
    const { tokens } = await tokenFor(resource, { provider: { login: 'grace' } });
    await callTool(ENDPOINTS.oidc, tokens.access_token, 'oidc_userinfo');
    const providerToken = network.to('/simulated/oidc/userinfo').at(-1)!.headers.get('authorization')!.replace('Bearer ', '');
    expect(providerToken.split('.')).toHaveLength(3);

    const { text, state } = await readState<IssuedHereGrantState>(tokens.access_token, resource);
    expect(state).toMatchObject({ kind: 'grant', option: 'oidc-proxy', optionNumber: '3a', resource });
    expect(state.userId).toMatch(/^oidc_[\w-]{22}$/);
    expect(state.upstream).toEqual({
      propPath: 'oidc.accessToken',
      provider: 'Simulated OIDC provider',
      token: { text: `eyJ…(${providerToken.length} chars)`, prefix: 'eyJ', length: providerToken.length },
    });
    expect(field(state, 'oidc.claims.name')).toEqual({ path: 'oidc.claims.name', value: 'Grace Hopper' });
    expect(state.props.some((candidate) => /id_?token/i.test(candidate.path))).toBe(false);
    for (const part of providerToken.split('.').slice(1)) expect(text).not.toContain(part);
    expect(text).not.toContain(providerToken);
  });
});

describe('option 3b: the provider issued the token, the Worker keeps no grant', () => {
  it('says so, with the verified claims, the in-memory caches and the notes', async () => {
    const network = routeUpstreamToWorker();
    const { clientId, tokens } = await externalToken({ scope: WRITE, login: 'alan' });
    await callTool(ENDPOINTS.external, tokens.access_token, 'save_note', { text: 'from 3b' });

    const { text, state } = await readState<ExternalGrantState>(tokens.access_token, EXTERNAL_RESOURCE);
    const provider = `${ORIGIN}/simulated/oidc`;
    expect(state).toMatchObject({
      kind: 'external',
      option: 'oidc-external',
      optionNumber: '3b',
      resource: EXTERNAL_RESOURCE,
      provider: { name: 'Simulated OIDC provider', issuer: provider, simulated: true },
      grant: null,
      tokens: [],
      token: {
        masked: { prefix: 'eyJ', length: tokens.access_token.length },
        claims: { issuer: provider, subject: '248289761003', audience: EXTERNAL_RESOURCE, scope: ['mcp:read', 'mcp:write'], clientId },
      },
      caches: [
        { what: 'discovery', url: `${provider}/.well-known/openid-configuration`, maxAgeSeconds: 300 },
        { what: 'jwks', url: `${provider}/jwks`, maxAgeSeconds: 600 },
      ],
    });
    expect(state.userId).toMatch(/^external_[\w-]{22}$/);
    // The note save_note wrote under the same user id: the one thing in KV for this user.
    expect(state.note).toMatchObject({ key: `note:${state.userId}`, count: 1, notes: [{ text: 'from 3b' }] });
    expect((await serverEnv.OAUTH_KV.list({ prefix: `grant:${state.userId}` })).keys).toEqual([]);
    expect((await serverEnv.OAUTH_KV.list({ prefix: `token:${state.userId}` })).keys).toEqual([]);
    expect(text).not.toContain(tokens.access_token);
    expect(text).not.toContain(tokens.access_token.split('.')[2]);
    expect(network.calls.every((call) => call.url.pathname.startsWith('/simulated/oidc/'))).toBe(true);
  });

  it('a user who saved no note: nothing at all in KV, note is null', async () => {
    routeUpstreamToWorker();
    const key = await currentSigningKey(serverEnv.OAUTH_KV, serverEnv.SERVER_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const subject = `fresh-${crypto.randomUUID()}`;
    const token = await signJwt(
      { alg: 'ES256', kid: key.kid, typ: 'at+jwt' },
      { iss: `${ORIGIN}/simulated/oidc`, sub: subject, aud: EXTERNAL_RESOURCE, client_id: 'minted-client', scope: 'mcp:read', iat: now, exp: now + 600 },
      key.privateKey,
    );
    const { state } = await readState<ExternalGrantState>(token, EXTERNAL_RESOURCE);
    expect(state).toMatchObject({ kind: 'external', grant: null, tokens: [], note: null, token: { claims: { subject, clientId: 'minted-client', expiresAt: now + 600 } } });
  });

  it('an issuer that cannot be reached: 503, never a 500 and never data', async () => {
    const issuer = `https://as-${crypto.randomUUID().slice(0, 8)}.example/`;
    configure({ OIDC_ISSUER: issuer });
    routeUpstreamToWorker((request) => (new URL(request.url).origin === new URL(issuer).origin ? new Response('down', { status: 502 }) : undefined));
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Math.floor(Date.now() / 1000);
    const token = await signJwt({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }, { iss: issuer, sub: 'x', aud: EXTERNAL_RESOURCE, iat: now, exp: now + 60 }, pair.privateKey);
    const response = await grantState(token, EXTERNAL_RESOURCE);
    await expectRefused(response, 503, 'temporarily_unavailable');
    expect(response.headers.get('retry-after')).toBe('30');
  });
});

describe('only the bearer’s own grant', () => {
  it('two users: each token yields its own grant, and nothing of the other’s', async () => {
    const resource = resourceOf('worker');
    const alice = await tokenFor(resource, { userName: unique('gs-alice'), scope: WRITE });
    const bob = await tokenFor(resource, { userName: unique('gs-bob'), scope: WRITE });
    await callTool(ENDPOINTS.worker, bob.tokens.access_token, 'save_note', { text: 'bob’s secret plan' });
    const a = await readState<IssuedHereGrantState>(alice.tokens.access_token, resource);
    const b = await readState<IssuedHereGrantState>(bob.tokens.access_token, resource);
    const aliceIds = partsOf(alice.tokens.access_token);
    const bobIds = partsOf(bob.tokens.access_token);
    expect(a.state.grant!.id).toBe(aliceIds.grantId);
    expect(b.state.grant!.id).toBe(bobIds.grantId);
    for (const needle of [bobIds.userId, bobIds.grantId, bob.client.clientId, 'bob’s secret plan', await sha256Hex(bob.tokens.access_token)]) expect(a.text).not.toContain(needle);
    for (const needle of [aliceIds.userId, aliceIds.grantId, alice.client.clientId, await sha256Hex(alice.tokens.access_token)]) expect(b.text).not.toContain(needle);
    expect(a.state.note).toBeNull();
  });

  it('one user, two grants (two clients): a token yields only its own grant and its own token records', async () => {
    const resource = resourceOf('worker');
    const userName = unique('gs-two');
    const first = await tokenFor(resource, { userName });
    const second = await tokenFor(resource, { userName });
    const { state, text } = await readState<IssuedHereGrantState>(first.tokens.access_token, resource);
    expect(state.grant!.id).toBe(partsOf(first.tokens.access_token).grantId);
    expect(state.tokens.map((record) => record.idHash)).toEqual([await sha256Hex(first.tokens.access_token)]);
    expect(text).not.toContain(partsOf(second.tokens.access_token).grantId);
  });

  it('a forged token naming another user’s grant (wrong secret): 401', async () => {
    const resource = resourceOf('worker');
    const victim = await tokenFor(resource, { userName: unique('gs-victim') });
    const { userId, grantId, secret } = partsOf(victim.tokens.access_token);
    const forged = `${userId}:${grantId}:${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    await expectRefused(await grantState(forged, resource), 401, 'invalid_token');
  });
});

describe('refusals: 401 for a token that proves nothing, never a 500', () => {
  const ALL: EndpointName[] = ['worker', 'sse', 'github', 'oidc', 'external'];

  it('no token: 401 with a bare Bearer challenge', async () => {
    const response = await grantState(null, resourceOf('worker'));
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    await expectRefused(response, 401, 'invalid_token');
    await expectRefused(await grantState(null, resourceOf('worker'), { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'invalid_token');
  });

  it.each(ALL)('garbage tokens at %s: 401', async (name) => {
    routeUpstreamToWorker();
    const garbage = [
      'garbage',
      'a:b:c',
      'a:b',
      'x:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'not.a-jwt',
      'e'.repeat(9000),
      '%00%ff',
    ];
    for (const token of garbage) {
      const response = await grantState(token, resourceOf(name));
      const status = response.status;
      await expectRefused(response, 401, 'invalid_token');
      expect(status, token.slice(0, 40)).toBe(401);
    }
  });

  it('a revoked token: 401', async () => {
    const resource = resourceOf('worker');
    const { client, tokens } = await tokenFor(resource, { userName: unique('gs-revoked') });
    expect((await grantState(tokens.access_token, resource)).status).toBe(200);
    const revoked = await tokenRequest({ token: tokens.access_token, token_type_hint: 'access_token', client_id: client.clientId });
    expect(revoked.status).toBe(200);
    await expectRefused(await grantState(tokens.access_token, resource), 401, 'invalid_token');
  });

  it('a token whose grant was revoked (through its refresh token): 401', async () => {
    const resource = resourceOf('worker');
    const { client, tokens } = await tokenFor(resource, { userName: unique('gs-revoked-grant') });
    const revoked = await tokenRequest({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: client.clientId });
    expect(revoked.status).toBe(200);
    await expectRefused(await grantState(tokens.access_token, resource), 401, 'invalid_token');
  });

  it('an expired token: 401 (option 1, and option 3b’s JWT)', async () => {
    routeUpstreamToWorker();
    const resource = resourceOf('worker');
    const { tokens } = await tokenFor(resource, { userName: unique('gs-expired') });
    const external = await externalToken();
    const issuedAt = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(issuedAt + (tokens.expires_in - 60) * 1000);
    expect((await grantState(tokens.access_token, resource)).status).toBe(200);
    vi.setSystemTime(issuedAt + (Math.max(tokens.expires_in, external.tokens.expires_in) + 120) * 1000);
    await expectRefused(await grantState(tokens.access_token, resource), 401, 'invalid_token');
    await expectRefused(await grantState(external.tokens.access_token, EXTERNAL_RESOURCE), 401, 'invalid_token');
  });

  it('a token for another resource: 401 at every other endpoint', async () => {
    routeUpstreamToWorker();
    const issued = {
      worker: (await tokenFor(resourceOf('worker'), { userName: unique('gs-aud') })).tokens.access_token,
      github: (await tokenFor(resourceOf('github'))).tokens.access_token,
      external: (await externalToken()).tokens.access_token,
    };
    for (const [owner, token] of Object.entries(issued)) {
      for (const name of ALL) {
        if (name === owner) continue;
        const response = await grantState(token, resourceOf(name));
        expect(response.status, `${owner}'s token at ${name}`).toBe(401);
        await expectRefused(response, 401, 'invalid_token');
      }
      expect((await grantState(token, resourceOf(owner as EndpointName))).status).toBe(200);
    }
  });

  it('a resource that is not one of this Worker’s endpoints: 400 invalid_target', async () => {
    const { tokens } = await tokenFor(resourceOf('worker'), { userName: unique('gs-target') });
    for (const resource of [null, '', 'https://evil.example/mcp', `${ORIGIN}/mcp/extra`, `${ORIGIN}/mcp?x=1`, '/mcp', 'not a url']) {
      await expectRefused(await grantState(tokens.access_token, resource), 400, 'invalid_target');
    }
  });

  it('another site: 403 before the token is looked at; other methods: 405', async () => {
    const resource = resourceOf('worker');
    const { tokens } = await tokenFor(resource, { userName: unique('gs-site') });
    await expectRefused(await grantState(tokens.access_token, resource, { origin: 'https://evil.example' }), 403, 'forbidden');
    await expectRefused(await grantState(tokens.access_token, resource, { 'sec-fetch-site': 'cross-site' }), 403, 'forbidden');
    await expectRefused(await grantState(tokens.access_token, resource, { 'sec-fetch-site': 'same-site' }), 403, 'forbidden');
    await expectRefused(await grantState('garbage', resource, { origin: 'https://evil.example' }), 403, 'forbidden');
    expect((await grantState(tokens.access_token, resource, { origin: ORIGIN, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const post = await grantState(tokens.access_token, resource, {}, 'POST');
    expect(post.headers.get('allow')).toBe('GET');
    await expectRefused(post, 405, 'method_not_allowed');
    await expectRefused(await grantState(tokens.access_token, resource, { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, 'OPTIONS'), 405, 'method_not_allowed');
  });
});
