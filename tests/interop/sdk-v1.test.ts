import { createHash } from 'node:crypto';
import { auth, extractWWWAuthenticateParams, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { LabOAuthClient } from '../support/lab-oauth-client.ts';
import { connectFromScratch, inOrder, type V1Session, type V1Transport } from './sdk-v1-session.ts';

/**
 * The released SDK (1.32) against the production build, on both transports: OAuth from nothing,
 * every tool, step-up to mcp:write, and a refresh after the access token is revoked.
 */
const origin = inject('labOrigin');

describe.each<V1Transport>(['mcp', 'sse'])('SDK 1.32 client on /%s', (kind) => {
  const userName = `v1-${kind}-user`;
  let session: V1Session;

  beforeAll(async () => {
    session = await connectFromScratch(origin, kind, userName);
  });
  afterAll(async () => {
    await session?.client.close();
  });

  test('authorizes from scratch: 401, discovery, registration, PKCE, consent, token, then connects', () => {
    const { http, firstAuthorizationUrl: authorization, oauth } = session;
    const lines = http.summary();
    const opener = kind === 'mcp' ? 'POST /mcp' : 'GET /sse';
    expect(
      inOrder(lines, [
        `${opener} 401`,
        `GET /.well-known/oauth-protected-resource/${kind} 200`,
        'GET /.well-known/oauth-authorization-server 200',
        'POST /oauth/register 201',
        'POST /oauth/token 200',
        `${opener} 200`,
      ]),
      lines.join('\n'),
    ).toBe(true);

    // The authorization request the SDK built from the challenge and the metadata.
    expect(authorization.origin + authorization.pathname).toBe(`${origin}/authorize`);
    expect(authorization.searchParams.get('client_id')).toBe(oauth.clientId);
    expect(authorization.searchParams.get('response_type')).toBe('code');
    expect(authorization.searchParams.get('resource')).toBe(`${origin}/${kind}`);
    expect(authorization.searchParams.get('scope')).toBe('mcp:read');
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');

    // PKCE really binds the code to this client: S256(verifier sent to /token) = challenge sent to /authorize.
    const tokenRequest = http.exchanges.find((e) => e.url.pathname === '/oauth/token' && e.form?.get('grant_type') === 'authorization_code');
    const verifier = tokenRequest?.form?.get('code_verifier') ?? '';
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorization.searchParams.get('code_challenge'));
    expect(tokenRequest?.form?.get('resource')).toBe(`${origin}/${kind}`);
  });

  test('add returns the sum', async () => {
    const result = await session.client.callTool({ name: 'add', arguments: { a: 2.5, b: 40 } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ sum: 42.5 });
    // The same data as text, for clients that read only content (MCP Tools: Structured Content).
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify({ sum: 42.5 }, null, 2) }]);
  });

  test('whoami reports the user, the registered client, the scopes and this endpoint as audience', async () => {
    const result = await session.client.callTool({ name: 'whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({
      user: { id: userName, name: userName },
      client_id: session.oauth.clientId,
      scopes: ['mcp:read'],
      audience: `${origin}/${kind}`,
      transport: kind === 'mcp' ? 'streamable-http' : 'sse',
    });
    const expiresAt = Date.parse(String((result.structuredContent as { expires_at: string }).expires_at));
    expect(expiresAt).toBeGreaterThan(Date.now());
  });

  test('countdown sends increasing progress notifications before its result', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const result = await session.client.callTool({ name: 'countdown', arguments: { seconds: 2 } }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(result.structuredContent).toEqual({ seconds: 2 });
    // One notification per second counted (0 and 1 of 2); the result itself is the 100% mark.
    expect(progress.map(({ progress, total }) => ({ progress, total }))).toEqual([
      { progress: 0, total: 2 },
      { progress: 1, total: 2 },
    ]);
  });

  test('save_note: 403 insufficient_scope, step-up to mcp:read mcp:write, then the call succeeds', async () => {
    const { client, transport, oauth, http } = session;
    http.clear();
    const note = `note from ${kind} at ${Date.now()}`;
    const tokens = oauth.tokens()!;

    if (kind === 'mcp') {
      // The Streamable HTTP transport steps up by itself, but with a refresh token stored it
      // refreshes instead, which cannot widen scope (typescript-sdk#2255): drop the refresh token.
      oauth.setTokens({ ...tokens, refresh_token: undefined });
      await expect(client.callTool({ name: 'save_note', arguments: { text: note } })).rejects.toBeInstanceOf(UnauthorizedError);
    } else {
      // The legacy SSE transport has no step-up: it reports the 403, and the app re-authorizes.
      await expect(client.callTool({ name: 'save_note', arguments: { text: note } })).rejects.toThrow(/HTTP 403/);
    }

    const forbidden = http.exchanges.find((e) => e.status === 403);
    expect(forbidden?.url.pathname).toBe(kind === 'mcp' ? '/mcp' : '/sse/message');
    const challenge = extractWWWAuthenticateParams(new Response(null, { headers: { 'www-authenticate': forbidden?.wwwAuthenticate ?? '' } }));
    expect(challenge.error).toBe('insufficient_scope');
    expect(challenge.scope).toBe('mcp:read mcp:write');
    expect(challenge.resourceMetadataUrl?.href).toBe(`${origin}/.well-known/oauth-protected-resource/${kind}`);

    if (kind === 'sse') {
      oauth.invalidateCredentials('tokens');
      const started = await auth(oauth, { serverUrl: session.endpoint, scope: challenge.scope, resourceMetadataUrl: challenge.resourceMetadataUrl });
      expect(started).toBe('REDIRECT');
    }
    expect(oauth.pendingAuthorization?.searchParams.get('scope')).toBe('mcp:read mcp:write');
    const callback = await oauth.authorize();
    await transport.finishAuth(LabOAuthClient.codeFrom(callback));

    const saved = await client.callTool({ name: 'save_note', arguments: { text: note } });
    expect(saved.isError).toBeFalsy();
    expect((saved.structuredContent as { notes: string[] }).notes).toContain(note);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who.structuredContent as { scopes: string[] }).scopes.sort()).toEqual(['mcp:read', 'mcp:write']);
  });

  test('after the access token is revoked, the SDK refreshes it with the refresh token and keeps working', async () => {
    const { client, oauth, http } = session;
    const before = oauth.tokens()!;
    expect(before.refresh_token).toBeTruthy();
    // RFC 7009 revocation of the access token alone: the grant and its refresh token stay valid.
    const revoked = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: before.access_token, token_type_hint: 'access_token', client_id: oauth.clientId }),
    });
    expect(revoked.status).toBe(200);
    http.clear();

    const result = await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    expect(result.structuredContent).toEqual({ sum: 2 });

    const refresh = http.exchanges.find((e) => e.url.pathname === '/oauth/token' && e.form?.get('grant_type') === 'refresh_token');
    expect(refresh?.status, http.summary().join('\n')).toBe(200);
    expect(refresh?.form?.get('refresh_token')).toBe(before.refresh_token);
    const after = oauth.tokens()!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token); // rotated
    // The refreshed token keeps the grant's scopes.
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who.structuredContent as { scopes: string[] }).scopes.sort()).toEqual(['mcp:read', 'mcp:write']);
  });
});
