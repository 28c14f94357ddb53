import { afterEach, describe, expect, it, vi } from 'vitest';
import { postMcp, rpc } from './support/mcp-client';
import {
  actAsUser,
  authorizationUrl,
  authorize,
  callbackParams,
  CookieJar,
  exchangeCode,
  pkce,
  refresh,
  registerClient,
  tokenRequest,
  tokensFrom,
} from './support/oauth-client';
import { MCP_RESOURCE, postJson } from './support/worker';

// The token endpoint (OAuth 2.1 §4.1.3, §4.3; RFC 7009; RFC 7591 for registration) as the
// library implements it, observed through real requests.

/** A fresh authorization code for a new client, not yet exchanged. */
async function freshCode(userName: string) {
  const client = await registerClient();
  const { verifier, challenge } = await pkce();
  const params = callbackParams(await actAsUser(authorizationUrl({ client, challenge }), new CookieJar(), { userName }));
  return { client, verifier, code: params.get('code')! };
}

async function mcpStatus(token: string) {
  const { response } = await postMcp(rpc('tools/list'), { token });
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
}

async function oauthError(response: Response) {
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as { error: string; error_description?: string };
}

describe('authorization code exchange', () => {
  it('refuses a wrong PKCE code_verifier with invalid_grant', async () => {
    const { client, code } = await freshCode('gina');
    const { verifier: someoneElsesVerifier } = await pkce();
    const response = await exchangeCode(client, code, someoneElsesVerifier);
    expect(response.status).toBe(400);
    // The kind of invalid_grant, named for the client beside the standard error (server/failure-codes.ts).
    expect(await oauthError(response)).toMatchObject({ error: 'invalid_grant', failure: 'pkce-verifier-mismatch' });
  });

  it('refuses a replayed code, and revokes the grant it was issued for', async () => {
    const { client, verifier, code } = await freshCode('hank');
    const first = await tokensFrom(await exchangeCode(client, code, verifier));
    expect((await mcpStatus(first.access_token)).status).toBe(200);

    const replay = await exchangeCode(client, code, verifier);
    expect(replay.status).toBe(400);
    expect(await oauthError(replay)).toMatchObject({ error: 'invalid_grant', failure: 'code-replayed' });

    // OAuth 2.1 §4.1.3: a reused code SHOULD revoke the tokens already issued from it.
    const afterReplay = await mcpStatus(first.access_token);
    expect(afterReplay.status).toBe(401);
    expect(afterReplay.challenge).toContain('error="invalid_token"');
    const refreshed = await refresh(client, first.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect((await oauthError(refreshed)).error).toBe('invalid_grant');
  });

  it('refuses a code presented by another client', async () => {
    const { verifier, code } = await freshCode('ivan');
    const otherClient = await registerClient();
    const response = await exchangeCode(otherClient, code, verifier);
    expect(response.status).toBe(400);
    expect((await oauthError(response)).error).toBe('invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new refresh token and a working access token', async () => {
    const { client, tokens } = await authorize({ userName: 'jane' });
    const rotated = await tokensFrom(await refresh(client, tokens.refresh_token!));
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.access_token).not.toBe(tokens.access_token);
    expect(rotated).toMatchObject({ scope: 'mcp:read', resource: MCP_RESOURCE });
    expect((await mcpStatus(rotated.access_token)).status).toBe(200);
  });

  it('keep the previous refresh token valid until its replacement is used (library behaviour), then refuse it', async () => {
    const { client, tokens } = await authorize({ userName: 'jane' });
    const second = await tokensFrom(await refresh(client, tokens.refresh_token!));
    // The client may have lost the response: retrying with the old token still works…
    const retried = await tokensFrom(await refresh(client, tokens.refresh_token!));
    // …and the retry's answer replaces the one that was "lost".
    expect((await refresh(client, second.refresh_token!)).status).toBe(400);
    // Once the newest refresh token is used, every older one is dead.
    await tokensFrom(await refresh(client, retried.refresh_token!));
    const stale = await refresh(client, tokens.refresh_token!);
    expect(stale.status).toBe(400);
    expect((await oauthError(stale)).error).toBe('invalid_grant');
  });
});

describe('revocation (RFC 7009)', () => {
  it('makes a revoked access token fail with 401', async () => {
    const { client, tokens } = await authorize({ userName: 'kim' });
    expect((await mcpStatus(tokens.access_token)).status).toBe(200);
    const revoked = await tokenRequest({ token: tokens.access_token, token_type_hint: 'access_token', client_id: client.clientId });
    expect(revoked.status).toBe(200);
    const after = await mcpStatus(tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.challenge).toContain('error="invalid_token"');
  });

  it('makes a revoked refresh token unusable', async () => {
    const { client, tokens } = await authorize({ userName: 'kim' });
    const revoked = await tokenRequest({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: client.clientId });
    expect(revoked.status).toBe(200);
    const refreshed = await refresh(client, tokens.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect((await oauthError(refreshed)).error).toBe('invalid_grant');
  });

  it('answers 200 for a token it does not know (RFC 7009 §2.2)', async () => {
    const client = await registerClient();
    const response = await tokenRequest({ token: 'not-a-token', client_id: client.clientId });
    expect(response.status).toBe(200);
  });
});

describe('access token lifetime', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts a token until it expires, and refuses it with 401 invalid_token after', async () => {
    // The Worker runs in the test's isolate, so faking Date moves the clock the library checks
    // expiry against. KV itself keeps its real clock, which only matters for records' TTLs.
    const { tokens } = await authorize({ userName: 'lee' });
    const issuedAt = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(issuedAt + (tokens.expires_in - 60) * 1000);
    expect((await mcpStatus(tokens.access_token)).status).toBe(200);
    vi.setSystemTime(issuedAt + (tokens.expires_in + 60) * 1000);
    const expired = await mcpStatus(tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.challenge).toContain('error="invalid_token"');
  });
});

describe('token endpoint errors are OAuth JSON with the right status', () => {
  it.each([
    ['an unsupported grant type', { grant_type: 'password', username: 'a', password: 'b' }, 400, 'unsupported_grant_type'],
    // RFC 6749 §5.2 would call a missing grant_type invalid_request; the library treats it as unsupported.
    ['no grant type', { code: 'x' }, 400, 'unsupported_grant_type'],
    ['a code grant without a code', { grant_type: 'authorization_code', code_verifier: 'x'.repeat(43) }, 400, 'invalid_request'],
    ['an unknown client', { grant_type: 'authorization_code', code: 'x', code_verifier: 'x'.repeat(43), client_id: 'no-such-client' }, 401, 'invalid_client'],
  ])('%s', async (_label, params, status, error) => {
    const client = await registerClient();
    const response = await tokenRequest({ client_id: client.clientId, ...params });
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect((await oauthError(response)).error).toBe(error);
  });

  it('refuses a garbage refresh token with invalid_grant', async () => {
    const client = await registerClient();
    const response = await refresh(client, 'garbage');
    expect(response.status).toBe(400);
    expect((await oauthError(response)).error).toBe('invalid_grant');
  });
});

describe('dynamic client registration (RFC 7591)', () => {
  it.each([
    ['plain http to another host', 'http://evil.example/cb'],
    ['a javascript: URI', 'javascript:alert(1)'],
    ['a data: URI', 'data:text/html,<script>alert(1)</script>'],
    ['a URI with a fragment', 'https://app.example/cb#fragment'],
    ['a relative URI', '/callback'],
  ])('refuses %s as a redirect URI with a 400 OAuth error', async (_label, redirectUri) => {
    const response = await postJson('/oauth/register', {
      client_name: 'Bad redirect',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(400);
    const { error } = await oauthError(response);
    expect(['invalid_redirect_uri', 'invalid_client_metadata']).toContain(error);
  });

  it('refuses a registration that is not JSON', async () => {
    const response = await postJson('/oauth/register', 'not an object');
    expect(response.status).toBe(400);
    expect((await oauthError(response)).error).toBe('invalid_client_metadata');
  });
});
