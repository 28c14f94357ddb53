import { describe, expect, it } from 'vitest';
import { Browser, field } from './support/browser';
import { answerTo, initializeRequest, LegacySseConnection, mcpRequest, postMcp, PROTOCOL_VERSION, rpc, toolCall } from './support/mcp-client';
import { authorize, authorizationUrl, CALLBACK, exchangeCode, pkce, registerClient, tokensFrom } from './support/oauth-client';
import { MCP_RESOURCE, ORIGIN, postJson, SSE_RESOURCE } from './support/worker';

// The whole flow a public MCP client goes through, one step and one page at a time:
// DCR → /authorize → sign-in → consent → Allow → callback (code, state, iss) → token → tools.

describe('authorization code flow with PKCE, dynamic registration and the lab pages', () => {
  it('registers, signs in, consents, and gets an audience-bound token', async () => {
    const registration = await postJson('/oauth/register', {
      client_name: 'Flow Test Client',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    expect(registration.status).toBe(201);
    const registered = (await registration.json()) as Record<string, unknown>;
    expect(registered).toMatchObject({ client_name: 'Flow Test Client', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' });
    expect(registered.client_secret).toBeUndefined(); // a public client gets no secret
    const client = { clientId: String(registered.client_id), redirectUri: CALLBACK };

    const { verifier, challenge } = await pkce();
    const browser = new Browser();
    const url = authorizationUrl({ client, challenge, scope: 'mcp:read', resource: MCP_RESOURCE, state: 'flow-state' });

    const signInPage = await browser.get(url);
    expect(signInPage.response.status).toBe(200);
    expect(signInPage.body).toContain('Sign in to MCP Auth Lab');
    expect(field(signInPage.body, 'continue')).toBe(url.pathname + url.search);
    expect(browser.jar.has('__Host-sign-in-form')).toBe(true);

    const consentPage = await browser.signIn(url, 'Dana');
    expect(browser.jar.has('__Host-session')).toBe(true);
    expect(consentPage.response.status).toBe(200);
    expect(consentPage.body).toContain('Flow Test Client');
    expect(consentPage.body).toContain(client.clientId);
    expect(consentPage.body).toContain('<strong>127.0.0.1</strong>'); // the redirect URI's host
    expect(consentPage.body).toContain('This sends access to an app on your own computer'); // loopback warning
    expect(consentPage.body).toContain('as dana?'); // user names are normalised to lower case
    expect(field(consentPage.body, 'handle')).toBeTruthy();

    const allowed = await browser.answer(consentPage, 'approve');
    expect(allowed.response.status).toBe(302);
    const callback = new URL(allowed.response.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('flow-state');
    expect(callback.searchParams.get('iss')).toBe(ORIGIN); // RFC 9207
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();

    const tokenResponse = await exchangeCode(client, code!, verifier, MCP_RESOURCE);
    expect(tokenResponse.headers.get('cache-control')).toContain('no-store');
    const tokens = await tokensFrom(tokenResponse);
    expect(tokens).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), scope: 'mcp:read', resource: MCP_RESOURCE, expires_in: 3600 });
    expect(tokens.refresh_token).toBeTruthy();

    const whoami = await mcpRequest(tokens.access_token, toolCall('whoami'));
    expect(whoami.answer.result?.structuredContent).toMatchObject({
      user: { id: 'dana', name: 'dana' },
      client_id: client.clientId,
      scopes: ['mcp:read'],
      audience: MCP_RESOURCE,
      transport: 'streamable-http',
    });
  });
});

describe('MCP over Streamable HTTP (/mcp)', () => {
  it('initializes, lists the tools and calls them with a valid token', async () => {
    const { tokens } = await authorize({ userName: 'erin' });

    const initialize = initializeRequest();
    const initialized = await mcpRequest(tokens.access_token, initialize);
    expect(initialized.answer.result).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      serverInfo: { name: 'mcp-auth-lab' },
      capabilities: { tools: {} },
    });

    const list = await mcpRequest(tokens.access_token, rpc('tools/list'));
    const names = (list.answer.result?.tools as { name: string }[]).map((tool) => tool.name);
    expect(names.sort()).toEqual(['add', 'countdown', 'save_note', 'whoami']);

    const add = await mcpRequest(tokens.access_token, toolCall('add', { a: 2, b: 40 }));
    expect(add.answer.result).toMatchObject({ content: [{ type: 'text', text: JSON.stringify({ sum: 42 }, null, 2) }], structuredContent: { sum: 42 } });

    const countdown = toolCall('countdown', { seconds: 2 }, { progressToken: 'progress-1' });
    const counted = await postMcp(countdown, { token: tokens.access_token });
    expect(counted.response.status).toBe(200);
    const progress = counted.messages.filter((message) => message.method === 'notifications/progress');
    expect(progress.map((message) => message.params?.progress)).toEqual([0, 1]);
    expect(answerTo(countdown, counted.messages).result?.structuredContent).toEqual({ seconds: 2 });
  });

  it('answers a request without Origin (a non-browser client) and one from its own origin', async () => {
    const { tokens } = await authorize({ userName: 'erin' });
    const sameOrigin = await postMcp(rpc('tools/list'), { token: tokens.access_token, headers: { origin: ORIGIN } });
    expect(sameOrigin.response.status).toBe(200);
    const withoutOrigin = await postMcp(rpc('tools/list'), { token: tokens.access_token });
    expect(withoutOrigin.response.status).toBe(200);
  });
});

describe('MCP over the legacy HTTP+SSE transport (/sse)', () => {
  it('announces a message endpoint, and answers on the stream', async () => {
    const { client, tokens } = await authorize({ userName: 'frank', resource: SSE_RESOURCE });
    expect(tokens.resource).toBe(SSE_RESOURCE);
    const connection = await LegacySseConnection.open(tokens.access_token);
    try {
      expect(connection.response.headers.get('content-type')).toContain('text/event-stream');
      expect(connection.endpoint).toMatch(/^\/sse\/message\?sessionId=[0-9a-f]{64}$/);

      const initialized = await connection.initialize();
      expect(initialized.result).toMatchObject({ serverInfo: { name: 'mcp-auth-lab' } });

      const list = await connection.request(rpc('tools/list'));
      expect((list.answer.result?.tools as { name: string }[]).map((tool) => tool.name).sort()).toEqual(['add', 'countdown', 'save_note', 'whoami']);

      const whoami = await connection.request(toolCall('whoami'));
      expect(whoami.answer.result?.structuredContent).toMatchObject({
        user: { id: 'frank' },
        client_id: client.clientId,
        audience: SSE_RESOURCE,
        transport: 'sse',
      });

      const countdown = await connection.request(toolCall('countdown', { seconds: 2 }, { progressToken: 7 }));
      expect(countdown.notifications.map((message) => [message.method, message.params?.progress])).toEqual([
        ['notifications/progress', 0],
        ['notifications/progress', 1],
      ]);
      expect(countdown.answer.result?.structuredContent).toEqual({ seconds: 2 });
    } finally {
      await connection.close();
    }
  });
});
