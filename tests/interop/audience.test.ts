import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { LabOAuthClient, obtainAccessToken } from '../support/lab-oauth-client.ts';

/**
 * RFC 8707 audiences: /mcp and /sse are separate protected resources, and a token issued for one
 * is refused by the other (MCP authorization, "Token Audience Binding and Validation").
 */
const origin = inject('labOrigin');

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'audience-test', version: '1.0.0' } },
};
const postMcp = (token: string) =>
  fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  });
const openSse = (token: string) => fetch(`${origin}/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });

describe('a token is accepted only by the endpoint it was issued for', () => {
  let forMcp: { accessToken: string; client: LabOAuthClient };
  let forSse: { accessToken: string; client: LabOAuthClient };

  beforeAll(async () => {
    forMcp = await obtainAccessToken(`${origin}/mcp`, { user: { userName: 'audience-user' } });
    forSse = await obtainAccessToken(`${origin}/sse`, { user: { userName: 'audience-user' } });
  });

  test('each token works at its own endpoint', async () => {
    expect((await postMcp(forMcp.accessToken)).status).toBe(200);
    const stream = await openSse(forSse.accessToken);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.body?.cancel();
  });

  test('the /mcp token is refused at /sse with a challenge that points to /sse metadata', async () => {
    const response = await openSse(forMcp.accessToken);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/error="invalid_token"/);
    expect(challenge).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/sse"`);
  });

  test('the /sse token is refused at /mcp', async () => {
    const response = await postMcp(forSse.accessToken);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  test("the /mcp grant's refresh token cannot mint a token for /sse", async () => {
    const response = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: forMcp.client.tokens()!.refresh_token!,
        client_id: forMcp.client.clientId,
        resource: `${origin}/sse`,
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_target');
  });

  test('the SDK holding only a /mcp token must authorize again for /sse', async () => {
    const mcpTokens = forMcp.client.tokens()!;
    const oauth = new LabOAuthClient(origin, { userName: 'audience-user' });
    oauth.saveClientInformation({ client_id: forMcp.client.clientId });
    oauth.setTokens({ ...mcpTokens, refresh_token: undefined });
    const transport = new SSEClientTransport(new URL(`${origin}/sse`), { authProvider: oauth });
    await expect(new Client({ name: 'audience-test', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(oauth.pendingAuthorization?.searchParams.get('resource')).toBe(`${origin}/sse`);
  });
});
