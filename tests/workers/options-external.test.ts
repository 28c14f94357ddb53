import { afterEach, describe, expect, it, vi } from 'vitest';
import { signJwt, type JwtClaims, type JwtHeader } from '../../server/jwt/jwt';
import { currentSigningKey } from '../../server/simulated/oidc/keys';
import { Browser, field } from './support/browser';
import { EXTERNAL_RESOURCE, externalToken, PROVIDER } from './support/external-client';
import { initializeRequest, postMcp, toolCall } from './support/mcp-client';
import { callTool, configure, ENDPOINTS, restoreConfiguration, serverEnv, toolNames } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// Option 3b, a separate authorization server (server/options/oidc-external/): MCP clients register,
// sign in and get JWT access tokens at the provider (here the Simulated OIDC provider); this Worker
// only checks each token against the provider's published keys.

const serverSecret = () => serverEnv.SERVER_SECRET;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  restoreConfiguration();
});

const decode = (part: string) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));

/** A token signed with the provider's current key, with claims (and header) the test chooses. */
async function mint(claims: JwtClaims = {}, header: Partial<JwtHeader> = {}) {
  const key = await currentSigningKey(serverEnv.OAUTH_KV, serverSecret());
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header },
    { iss: PROVIDER, sub: '248289761001', aud: EXTERNAL_RESOURCE, client_id: 'minted-client', scope: 'mcp:read', iat: now, exp: now + 600, ...claims },
    key.privateKey,
  );
}

const call = (token: string, request = initializeRequest()) => postMcp(request, { token, path: ENDPOINTS.external });

describe('option 3b end to end', () => {
  it('401, the provider’s metadata, registration and sign-in there, then tools with its JWT access token', async () => {
    const network = routeUpstreamToWorker();
    const refused = await postMcp(initializeRequest(), { path: ENDPOINTS.external });
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/external/mcp"`);
    const metadata = await (await callWorker('/.well-known/oauth-protected-resource/external/mcp')).json();
    expect(metadata).toMatchObject({ resource: EXTERNAL_RESOURCE, authorization_servers: [PROVIDER], scopes_supported: ['mcp:read'] });

    // Where an MCP client looks for the provider's metadata (RFC 8414 path insertion first), all one document.
    const documents = await Promise.all(
      [`/.well-known/oauth-authorization-server/simulated/oidc`, `/.well-known/openid-configuration/simulated/oidc`, `/simulated/oidc/.well-known/openid-configuration`].map(
        async (path) => (await callWorker(path)).json(),
      ),
    );
    expect(documents[1]).toEqual(documents[0]);
    expect(documents[2]).toEqual(documents[0]);
    expect(documents[0]).toMatchObject({
      issuer: PROVIDER,
      registration_endpoint: `${PROVIDER}/register`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });

    const { clientId, params, tokens } = await externalToken({ login: 'alan' });
    expect(params.get('iss')).toBe(PROVIDER);
    const [header, payload] = tokens.access_token.split('.').map((part, i) => (i < 2 ? decode(part) : part));
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ iss: PROVIDER, aud: EXTERNAL_RESOURCE, sub: '248289761003', client_id: clientId, scope: 'mcp:read' });
    expect(network.calls).toEqual([]); // this Worker took no part in issuing it

    expect(await toolNames(ENDPOINTS.external, tokens.access_token)).toEqual(['add', 'countdown', 'save_note', 'token_claims', 'whoami']);
    // This Worker fetched the provider's discovery document and keys to check the token: once.
    expect(network.calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual(['GET /simulated/oidc/.well-known/openid-configuration', 'GET /simulated/oidc/jwks']);
    const whoami = await callTool(ENDPOINTS.external, tokens.access_token, 'whoami');
    expect(whoami.result?.structuredContent).toMatchObject({ signed_in_with: 'oidc-external', client_id: clientId, scopes: ['mcp:read'], audience: EXTERNAL_RESOURCE });
    const claims = await callTool(ENDPOINTS.external, tokens.access_token, 'token_claims');
    expect(claims.result?.structuredContent).toMatchObject({ issuer: PROVIDER, subject: '248289761003', scope: ['mcp:read'], keyId: header.kid });
    expect(network.calls).toHaveLength(2); // the cached keys answered the later calls
  });

  it('save_note asks for mcp:write (403 insufficient_scope); a token with it works', async () => {
    routeUpstreamToWorker();
    const { tokens } = await externalToken();
    const { response } = await call(tokens.access_token, toolCall('save_note', { text: 'from 3b' }));
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:read mcp:write"');
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/external/mcp"`);

    const stepped = await externalToken({ scope: 'mcp:read mcp:write' });
    const saved = await callTool(ENDPOINTS.external, stepped.tokens.access_token, 'save_note', { text: 'from 3b' });
    expect(saved.result?.structuredContent).toMatchObject({ count: 1 });
  });

  it('a token without the baseline scope is asked to step up before anything runs', async () => {
    routeUpstreamToWorker();
    const { response } = await call(await mint({ scope: 'profile' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:read"');
  });

  it('scopes may come as an scp list too', async () => {
    routeUpstreamToWorker();
    const token = await mint({ scope: undefined, scp: ['mcp:read'] });
    expect((await callTool(ENDPOINTS.external, token, 'whoami')).result?.structuredContent).toMatchObject({ scopes: ['mcp:read'] });
  });
});

describe('tokens this resource must refuse (401 with the challenge, the reason in the log)', () => {
  const flip = (token: string) => {
    const dot = token.lastIndexOf('.') + 1;
    return token.slice(0, dot) + (token[dot] === 'A' ? 'B' : 'A') + token.slice(dot + 1);
  };
  const cases: [string, () => Promise<string>, string][] = [
    ['expired', () => mint({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }), 'expired'],
    ['for another resource (option 3a’s endpoint)', () => mint({ aud: `${ORIGIN}/oidc/mcp` }), 'wrong_audience'],
    ['for the provider’s userinfo (what option 3a’s Worker holds)', () => mint({ aud: `${PROVIDER}/userinfo` }), 'wrong_audience'],
    ['from another issuer', () => mint({ iss: 'https://impostor.invalid' }), 'wrong_issuer'],
    ['with a tampered signature', async () => flip(await mint()), 'bad_signature'],
    ['typed as an ID token (typ JWT)', () => mint({}, { typ: 'JWT' }), 'wrong_type'],
    ['with no typ', () => mint({}, { typ: undefined }), 'wrong_type'],
    ['with alg none', async () => `${btoa('{"alg":"none","typ":"at+jwt"}').replace(/=+$/, '')}.${(await mint()).split('.')[1]}.AAAA`, 'unsupported_algorithm'],
    ['signed by a key the provider never published', async () => {
      const stranger = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])) as CryptoKeyPair;
      const now = Math.floor(Date.now() / 1000);
      return signJwt({ alg: 'ES256', kid: 'not-published', typ: 'at+jwt' }, { iss: PROVIDER, sub: 'x', aud: EXTERNAL_RESOURCE, iat: now, exp: now + 60 }, stranger.privateKey);
    }, 'unknown_key'],
    ['that is not a JWT at all', async () => 'not.a-jwt', 'malformed'],
  ];

  it.each(cases)('%s', async (_label, make, reason) => {
    routeUpstreamToWorker();
    const warn = vi.spyOn(console, 'warn');
    const { response } = await call(await make());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/external/mcp"`);
    expect(warn.mock.calls.flat().join('\n')).toContain(`external token refused: ${reason}`);
  });

  it('one longer than any real token: 401 without any work', async () => {
    const network = routeUpstreamToWorker();
    expect((await call('e'.repeat(9000))).response.status).toBe(401);
    expect(network.calls).toEqual([]);
  });

  it.each(['bad_signature', 'expired', 'wrong_audience', 'wrong_issuer'])('a token spoiled at the provider’s page (%s) is refused', async (failure) => {
    routeUpstreamToWorker();
    const { tokens } = await externalToken({ failure });
    expect((await call(tokens.access_token)).response.status).toBe(401);
  });
});

describe('signing key rotation at the provider', () => {
  it('a token signed with the new key costs one JWKS refetch; one signed with the previous key keeps working during the grace period', async () => {
    const network = routeUpstreamToWorker();
    const jwks = () => network.to('/simulated/oidc/jwks').length;
    const before = await externalToken();
    expect((await call(before.tokens.access_token)).response.status).toBe(200);

    // Rotate, as a learner would, on the provider's page.
    const browser = new Browser();
    const about = await browser.get('/simulated/oidc');
    const rotated = await browser.submit('/simulated/oidc/keys/rotate', { csrf: field(about.body, 'csrf')! });
    expect(rotated.response.status).toBe(303);
    expect((await browser.get(rotated.response.headers.get('location')!)).body).toContain('Still published');

    const after = await externalToken();
    const oldKid = decode(before.tokens.access_token.split('.')[0]).kid;
    const newKid = decode(after.tokens.access_token.split('.')[0]).kid;
    expect(newKid).not.toBe(oldKid);

    // Past the refetch interval: the unknown kid sends the Worker to the JWKS once.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    const fetchesBefore = jwks();
    expect((await call(after.tokens.access_token)).response.status).toBe(200);
    expect(jwks()).toBe(fetchesBefore + 1);
    expect((await call(before.tokens.access_token)).response.status).toBe(200);
    expect(jwks()).toBe(fetchesBefore + 1);

    const published = (await (await callWorker('/simulated/oidc/jwks')).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    // After the grace period (one hour) only the new key is published.
    vi.setSystemTime(Date.now() + 61 * 60_000);
    const later = (await (await callWorker('/simulated/oidc/jwks')).json()) as { keys: { kid: string }[] };
    expect(later.keys.map((key) => key.kid)).toEqual([newKid]);
  });

  it('tokens with made-up kids right after a fetch do not send the Worker to the JWKS again (rate limit)', async () => {
    const network = routeUpstreamToWorker();
    const { tokens } = await externalToken();
    await call(tokens.access_token); // keys cached (fetched now, or recently)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await call(await mint({}, { kid: 'made-up-1' })); // one refetch is allowed...
    const afterFirst = network.to('/simulated/oidc/jwks').length;
    for (let i = 2; i <= 5; i++) expect((await call(await mint({}, { kid: `made-up-${i}` }))).response.status).toBe(401);
    expect(network.to('/simulated/oidc/jwks').length).toBe(afterFirst); // ...then none
  });
});

describe('with a real authorization server configured', () => {
  async function fakeIssuer(discoveryStatus?: number) {
    const issuer = `https://as-${crypto.randomUUID().slice(0, 8)}.example/`;
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kid: 'k1' };
    configure({ OIDC_ISSUER: issuer });
    routeUpstreamToWorker((request) => {
      const url = new URL(request.url);
      if (url.href === `${issuer}.well-known/openid-configuration`) {
        if (discoveryStatus) return new Response('unavailable', { status: discoveryStatus });
        return Response.json({ issuer, authorization_endpoint: `${issuer}authorize`, token_endpoint: `${issuer}oauth/token`, jwks_uri: `${issuer}.well-known/jwks.json` });
      }
      if (url.href === `${issuer}.well-known/jwks.json`) return Response.json({ keys: [jwk] });
      return undefined;
    });
    const sign = (claims: JwtClaims, typ = 'at+jwt') => {
      const now = Math.floor(Date.now() / 1000);
      return signJwt({ alg: 'ES256', kid: 'k1', typ }, { iss: issuer, sub: 'auth0|42', aud: EXTERNAL_RESOURCE, scope: 'mcp:read', iat: now, exp: now + 300, ...claims }, pair.privateKey);
    };
    return { issuer, sign };
  }

  it('its metadata names that issuer, and its tokens are checked against its keys', async () => {
    const as = await fakeIssuer();
    expect(await (await callWorker('/.well-known/oauth-protected-resource/external/mcp')).json()).toMatchObject({ authorization_servers: [as.issuer] });
    expect((await call(await as.sign({}))).response.status).toBe(200);
    expect((await call(await mint())).response.status).toBe(401); // the simulated provider's tokens no longer count
  });

  it('OIDC_AUDIENCE names the audience the provider uses for this API', async () => {
    const as = await fakeIssuer();
    configure({ OIDC_AUDIENCE: 'urn:lab:external-mcp' });
    expect((await call(await as.sign({ aud: 'urn:lab:external-mcp' }))).response.status).toBe(200);
    expect((await call(await as.sign({}))).response.status).toBe(401);
  });

  it('typ JWT access tokens only with OIDC_ALLOW_UNTYPED_ACCESS_TOKENS=true', async () => {
    const as = await fakeIssuer();
    const untyped = await as.sign({}, 'JWT');
    expect((await call(untyped)).response.status).toBe(401);
    configure({ OIDC_ALLOW_UNTYPED_ACCESS_TOKENS: 'true' });
    expect((await call(untyped)).response.status).toBe(200);
  });

  it('an issuer that cannot be reached: 503 with Retry-After, never a 500', async () => {
    const as = await fakeIssuer(502);
    const { response } = await call(await as.sign({}));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
  });
});
