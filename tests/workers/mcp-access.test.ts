import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { answerTo, LegacySseConnection, postMcp, rpc, toolCall } from './support/mcp-client';
import { authorize, CookieJar, registerClient } from './support/oauth-client';
import { callWorker, ORIGIN, SSE_RESOURCE } from './support/worker';

// Who may reach the MCP endpoints, and with what: bearer tokens and their audiences, Origin,
// scopes (step-up), legacy SSE sessions bound to their owner, and malformed or oversized input.

const notesOf = (userId: string) => env.OAUTH_KV.get(`note:${userId}`);

describe('bearer tokens', () => {
  it.each([
    ['a garbage token', 'Bearer garbage'],
    ['a token in the library format but unknown', 'Bearer user:grant:secretsecretsecretsecret'],
  ])('%s → 401 invalid_token, on /mcp and /sse', async (_label, authorization) => {
    for (const [method, path] of [['POST', '/mcp'], ['GET', '/sse']] as const) {
      const response = await callWorker(path, {
        method,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        ...(method === 'POST' && { body: JSON.stringify(rpc('tools/list')) }),
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
  ])('%s → 401 with the discovery challenge', async (_label, authorization) => {
    const { response } = await postMcp(rpc('tools/list'), { headers: { authorization } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('a token for /mcp is refused at /sse (RFC 8707 audience)', async () => {
    const { tokens } = await authorize({ userName: 'amy' });
    const response = await callWorker('/sse', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/sse"`);
  });

  it('a token for /sse is refused at /mcp', async () => {
    const { tokens } = await authorize({ userName: 'amy', resource: SSE_RESOURCE });
    const { response } = await postMcp(rpc('tools/list'), { token: tokens.access_token });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('Origin validation (DNS rebinding)', () => {
  it.each(['https://evil.example', 'null', `${ORIGIN}.evil.example`, 'http://lab.example'])(
    'Origin %s → 403 on /mcp and /sse, even with a valid token',
    async (origin) => {
      const mcp = await authorize({ userName: 'bart' });
      const { response } = await postMcp(rpc('tools/list'), { token: mcp.tokens.access_token, headers: { origin } });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: number; data: unknown } }).error).toMatchObject({ code: -32000, data: { failure: 'origin-not-allowed' } });

      const sse = await authorize({ userName: 'bart', resource: SSE_RESOURCE });
      const stream = await callWorker('/sse', { headers: { authorization: `Bearer ${sse.tokens.access_token}`, origin } });
      expect(stream.status).toBe(403);
    },
  );

  it('is checked before authentication: a bad Origin without a token gets 403, not a challenge', async () => {
    const { response } = await postMcp(rpc('tools/list'), { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  // What the Origin attack lab's sandboxed page sends: its opaque origin is `null`, and it has no token.
  it.each(['/mcp', '/sse', '/github/mcp', '/oidc/mcp', '/external/mcp'])('Origin null at %s: the preflight and a simple text/plain POST both get 403, no CORS grant', async (path) => {
    const preflight = await callWorker(path, {
      method: 'OPTIONS',
      headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'accept,content-type' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await callWorker(path, { method: 'POST', headers: { origin: 'null', 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(rpc('initialize')) });
    expect(simple.status).toBe(403);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await simple.json()) as { error: { data: unknown } }).error.data).toEqual({ failure: 'origin-not-allowed' });
  });

  it('the server’s own origin gets its preflight answered', async () => {
    const preflight = await callWorker('/mcp', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

describe('scopes and step-up', () => {
  it('save_note with a read-only token → 403 insufficient_scope naming every scope it needs; the tool does not run', async () => {
    const { tokens } = await authorize({ userName: 'cleo', scope: 'mcp:read' });
    const { response } = await postMcp(toolCall('save_note', { text: 'should not be saved' }), { token: tokens.access_token });
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:read mcp:write"');
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/mcp"`);
    expect(await notesOf('cleo')).toBeNull();
  });

  it('after re-authorizing with mcp:write the same call succeeds', async () => {
    const first = await authorize({ userName: 'dora', scope: 'mcp:read' });
    const denied = await postMcp(toolCall('save_note', { text: 'first note' }), { token: first.tokens.access_token });
    expect(denied.response.status).toBe(403);

    const stepUp = await authorize({ userName: 'dora', scope: 'mcp:read mcp:write', client: first.client, jar: first.jar });
    expect(stepUp.tokens.scope.split(' ').sort()).toEqual(['mcp:read', 'mcp:write']);
    const call = toolCall('save_note', { text: 'first note' });
    const saved = await postMcp(call, { token: stepUp.tokens.access_token });
    expect(saved.response.status).toBe(200);
    expect(answerTo(call, saved.messages).result?.structuredContent).toEqual({ count: 1, saved: { text: 'first note' }, notes: ['first note'] });
    expect(JSON.parse((await notesOf('dora'))!)).toEqual([{ text: 'first note' }]);

    // completeAuthorization() replaces the user's earlier grant for this client and resource.
    const old = await postMcp(rpc('tools/list'), { token: first.tokens.access_token });
    expect(old.response.status).toBe(401);
  });

  it('a token granted without the baseline scope (unticked on the consent page) is asked to step up for anything', async () => {
    const { tokens } = await authorize({ userName: 'ella', scopes: [] });
    expect(tokens.scope).toBe('');
    const { response } = await postMcp(rpc('tools/list'), { token: tokens.access_token });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:read"');
  });

  it('the SSE transport answers the same 403 before the message reaches the session', async () => {
    const { tokens } = await authorize({ userName: 'fay', resource: SSE_RESOURCE });
    const connection = await LegacySseConnection.open(tokens.access_token);
    try {
      await connection.initialize();
      const response = await connection.post(toolCall('save_note', { text: 'nope' }));
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/sse"`);
      expect(await notesOf('fay')).toBeNull();
    } finally {
      await connection.close();
    }
  });

  it('an unknown tool is the MCP server’s to answer: a JSON-RPC error, not an HTTP one', async () => {
    const { tokens } = await authorize({ userName: 'gus' });
    const call = toolCall('no_such_tool');
    const { response, messages } = await postMcp(call, { token: tokens.access_token });
    expect(response.status).toBe(200);
    const answer = answerTo(call, messages);
    expect(answer.error ?? answer.result?.isError).toBeTruthy();
  });
});

describe('legacy SSE sessions belong to their user and client', () => {
  it('the owner can post into the session', async () => {
    const { tokens } = await authorize({ userName: 'hugo', resource: SSE_RESOURCE });
    const connection = await LegacySseConnection.open(tokens.access_token);
    try {
      expect((await connection.post(rpc('ping'))).status).toBe(202);
    } finally {
      await connection.close();
    }
  });

  it('another user’s valid token posting into the session → 404, as for a session that does not exist', async () => {
    const owner = await authorize({ userName: 'hugo', resource: SSE_RESOURCE });
    const intruder = await authorize({ userName: 'iris', resource: SSE_RESOURCE });
    const connection = await LegacySseConnection.open(owner.tokens.access_token);
    try {
      const response = await connection.post(rpc('tools/list'), intruder.tokens.access_token);
      expect(response.status).toBe(404);
    } finally {
      await connection.close();
    }
  });

  it('the same user through another client → 404', async () => {
    const jar = new CookieJar();
    const owner = await authorize({ userName: 'jack', resource: SSE_RESOURCE, jar });
    const otherApp = await authorize({ userName: 'jack', resource: SSE_RESOURCE, jar, client: await registerClient() });
    const connection = await LegacySseConnection.open(owner.tokens.access_token);
    try {
      expect((await connection.post(rpc('tools/list'), otherApp.tokens.access_token)).status).toBe(404);
    } finally {
      await connection.close();
    }
  });

  it('a client cannot choose its session id: GET /sse?sessionId=… → 400', async () => {
    const { tokens } = await authorize({ userName: 'kate', resource: SSE_RESOURCE });
    const response = await callWorker(`/sse?sessionId=${'a'.repeat(64)}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(400);
  });

  it.each(['', 'not-hex', 'a'.repeat(64), 'A'.repeat(64)])('a made-up session id (%j) → 404', async (sessionId) => {
    const { tokens } = await authorize({ userName: 'kate', resource: SSE_RESOURCE });
    const response = await callWorker(`/sse/message?sessionId=${sessionId}`, {
      method: 'POST',
      body: JSON.stringify(rpc('ping')),
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(404);
  });
});

describe('malformed and oversized input', () => {
  const LIMIT = 256 * 1024;

  it.each([
    ['not JSON', '{"jsonrpc": "2.0", "method": ', -32700],
    ['an empty body', '', -32700],
    ['not JSON-RPC 2.0', JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'tools/list' }), -32600],
    ['an empty batch', '[]', -32600],
    ['a non-string method', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 42 }), -32600],
  ])('%s → 400 with JSON-RPC error %s', async (_label, body, code) => {
    const { tokens } = await authorize({ userName: 'liam' });
    const { response } = await postMcp(body, { token: tokens.access_token });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { jsonrpc: string; error: { code: number }; id: null };
    expect(error).toMatchObject({ jsonrpc: '2.0', error: { code }, id: null });
  });

  it('malformed JSON on the SSE message endpoint → 400 -32700', async () => {
    const { tokens } = await authorize({ userName: 'liam', resource: SSE_RESOURCE });
    const connection = await LegacySseConnection.open(tokens.access_token);
    try {
      const response = await connection.post('{"jsonrpc":');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
    } finally {
      await connection.close();
    }
  });

  const oversized = () => JSON.stringify(toolCall('add', { a: 1, b: 2, padding: 'x'.repeat(LIMIT) }));

  it('a body over 256 KiB with Content-Length → 413', async () => {
    const { tokens } = await authorize({ userName: 'mia' });
    const { response } = await postMcp(oversized(), { token: tokens.access_token });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });

  it('a body over 256 KiB streamed without Content-Length → 413', async () => {
    const { tokens } = await authorize({ userName: 'mia' });
    const bytes = new TextEncoder().encode(oversized());
    const chunks = 16;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const size = Math.ceil(bytes.length / chunks);
        for (let offset = 0; offset < bytes.length; offset += size) controller.enqueue(bytes.slice(offset, offset + size));
        controller.close();
      },
    });
    const request = new Request(`${ORIGIN}/mcp`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    });
    expect(request.headers.get('content-length')).toBeNull();
    const response = await callWorker(request.url, { method: 'POST', body: request.body, headers: request.headers });
    expect(response.status).toBe(413);
  });

  it('a body just under the limit is read and answered', async () => {
    const { tokens } = await authorize({ userName: 'mia' });
    const overhead = JSON.stringify(toolCall('add', { a: 1, b: 2, padding: '' })).length;
    const call = toolCall('add', { a: 1, b: 2, padding: 'x'.repeat(LIMIT - overhead - 16) });
    const body = JSON.stringify(call);
    expect(body.length).toBeGreaterThan(LIMIT - 32);
    expect(body.length).toBeLessThanOrEqual(LIMIT);
    const { response, messages } = await postMcp(body, { token: tokens.access_token });
    expect(response.status).toBe(200);
    expect(answerTo(call, messages).result?.structuredContent).toEqual({ sum: 3 });
  });
});
