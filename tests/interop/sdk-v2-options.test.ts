import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { LabOAuthClient } from '../support/lab-oauth-client.ts';

/**
 * The SDK v2 client (@modelcontextprotocol/client 2.4, `versionNegotiation: { mode: 'auto' }`) at
 * every Streamable HTTP endpoint of the production build: /mcp (option 1), /github/mcp (2, the
 * Simulated GitHub behind the lab), /oidc/mcp (3a, the Simulated OIDC provider behind the lab) and
 * /external/mcp (3b, the Simulated OIDC provider as the authorization server). From nothing: 401,
 * OAuth (the headless user answers the lab's and the providers' pages), then `server/discover`
 * negotiates 2026-07-28 and every tool is called, countdown with progress, save_note after the
 * SDK's own step-up on 403 insufficient_scope. Every MCP request on the wire is recorded and
 * checked for the 2026-07-28 metadata. Then the same client held at 2025-11-25 on /mcp.
 */
const origin = inject('labOrigin');
const V2026 = '2026-07-28';
const V2025 = '2025-11-25';

/** One HTTP request the SDK sent, as it went out, and what came back. */
interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  status: number;
  contentType: string | null;
}

/** A fetch for the SDK that records every request (headers and body) before sending it on. */
function wireRecorder() {
  const requests: WireRequest[] = [];
  const recorded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = request.method === 'POST' ? await request.clone().text() : undefined;
    const response = await fetch(request);
    requests.push({
      method: request.method,
      url: new URL(request.url),
      headers: Object.fromEntries(request.headers),
      body,
      status: response.status,
      contentType: response.headers.get('content-type'),
    });
    return response;
  };
  return {
    fetch: recorded as typeof fetch,
    requests,
    /** The POSTs to an MCP endpoint, with their JSON-RPC bodies. */
    mcpPosts: (path: string) =>
      requests
        .filter((request) => request.method === 'POST' && request.url.pathname === path)
        .map((request) => ({ ...request, rpc: JSON.parse(request.body!) as { id?: number; method: string; params?: Record<string, any> } })),
  };
}

interface Option {
  label: string;
  path: string;
  /** Where the SDK authorizes: the lab, or (3b) the Simulated OIDC provider. */
  issuer: string;
  user: ConstructorParameters<typeof LabOAuthClient>[1];
  /** The option's own tool and what it answers for this user. */
  ownTool?: { name: string; expected: (oauth: LabOAuthClient) => Record<string, unknown> };
  whoami: Record<string, unknown>;
}

const OPTIONS: Option[] = [
  {
    label: 'option 1: /mcp, the lab signs the user in',
    path: '/mcp',
    issuer: origin,
    user: { userName: 'v2-options-ada' },
    whoami: { signed_in_with: 'worker', user: { name: 'v2-options-ada' } },
  },
  {
    label: 'option 2: /github/mcp, the Simulated GitHub behind the lab',
    path: '/github/mcp',
    issuer: origin,
    user: { provider: { login: 'codercat' } },
    ownTool: { name: 'github_profile', expected: () => ({ login: 'codercat', provider: 'Simulated GitHub', fetched_from: `${origin}/simulated/github/api/user` }) },
    whoami: { signed_in_with: 'github', user: { id: 'simulated-github_9000003', name: 'codercat' } },
  },
  {
    label: 'option 3a: /oidc/mcp, the Simulated OIDC provider behind the lab',
    path: '/oidc/mcp',
    issuer: origin,
    user: { provider: { login: 'grace' } },
    ownTool: { name: 'oidc_userinfo', expected: () => ({ issuer: `${origin}/simulated/oidc`, claims: { sub: '248289761002', name: 'Grace Hopper' } }) },
    whoami: { signed_in_with: 'oidc-proxy', user: { name: 'grace' } },
  },
  {
    label: 'option 3b: /external/mcp, the Simulated OIDC provider as the authorization server',
    path: '/external/mcp',
    issuer: `${origin}/simulated/oidc`,
    user: { provider: { login: 'alan' } },
    ownTool: {
      name: 'token_claims',
      expected: (oauth) => ({ issuer: `${origin}/simulated/oidc`, subject: '248289761003', audience: `${origin}/external/mcp`, scope: ['mcp:read'], clientId: oauth.clientId }),
    },
    whoami: { signed_in_with: 'oidc-external', user: { id: expect.stringMatching(/^external_/) } },
  },
];

const SHARED_TOOLS = ['add', 'whoami', 'countdown', 'save_note'];

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
  oauth: LabOAuthClient;
  wire: ReturnType<typeof wireRecorder>;
}

/** As an app does it: connect, 401, send the user to authorize, finishAuth with the whole callback, connect again. */
async function connectFromScratch(option: Option, clientOptions: ConstructorParameters<typeof Client>[1]): Promise<Session> {
  const endpoint = new URL(option.path, origin);
  const oauth = new LabOAuthClient(option.issuer, option.user, `SDK v2 interop (${option.path})`);
  const wire = wireRecorder();
  const newTransport = () => new StreamableHTTPClientTransport(endpoint, { authProvider: oauth, fetch: wire.fetch });
  const newClient = () => new Client({ name: 'lab-interop-v2-options', version: '1.0.0' }, clientOptions);

  const first = newTransport();
  const refused = await newClient().connect(first).then(
    () => new Error('connected without authorization'),
    (error: unknown) => error,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected UnauthorizedError, got ${String(refused)}`);
  const callback = await oauth.authorize(); // state and iss checked by the app
  await first.finishAuth(callback.searchParams); // the SDK checks iss again (RFC 9207)
  await first.close();

  const transport = newTransport();
  const client = newClient();
  await client.connect(transport);
  return { client, transport, oauth, wire };
}

describe.each(OPTIONS)('SDK v2 at 2026-07-28, $label', (option) => {
  let session: Session;
  beforeAll(async () => {
    session = await connectFromScratch(option, { versionNegotiation: { mode: 'auto' } });
  });
  afterAll(() => session?.client.close());

  test('OAuth from nothing, then server/discover negotiates 2026-07-28: no initialize on the wire', () => {
    const { client, wire } = session;
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getNegotiatedProtocolVersion()).toBe(V2026);
    expect(client.getServerVersion()).toEqual({ name: 'mcp-auth-lab', title: 'MCP Auth Lab', version: '0.2.0' });
    expect(client.getDiscoverResult()).toMatchObject({ supportedVersions: [V2026], capabilities: { tools: {} } });
    const posts = wire.mcpPosts(option.path).map((post) => `${post.rpc.method} ${post.status}`);
    expect(posts).toEqual(['server/discover 401', 'server/discover 200']);
    expect(session.oauth.tokens()?.scope?.split(' ')).toEqual(['mcp:read']); // what the 401 challenge asked for
  });

  test('tools/list: every tool of the endpoint', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([...SHARED_TOOLS, ...(option.ownTool ? [option.ownTool.name] : [])]);
  });

  test('add, whoami and the option’s own tool', async () => {
    const { client, oauth } = session;
    expect((await client.callTool({ name: 'add', arguments: { a: 19, b: 23 } })).structuredContent).toEqual({ sum: 42 });
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.isError).toBeFalsy();
    expect(who.structuredContent).toMatchObject({
      ...option.whoami,
      client_id: oauth.clientId,
      scopes: ['mcp:read'],
      audience: `${origin}${option.path}`,
      transport: 'streamable-http',
    });
    if (option.ownTool) {
      const own = await client.callTool({ name: option.ownTool.name, arguments: {} });
      expect(own.isError, JSON.stringify(own.content)).toBeFalsy();
      expect(own.structuredContent).toMatchObject(option.ownTool.expected(oauth));
    }
  });

  test('countdown reports its progress through onprogress, on the call’s own SSE response', async () => {
    const progress: unknown[] = [];
    const result = await session.client.callTool({ name: 'countdown', arguments: { seconds: 2 } }, { onprogress: (update) => progress.push(update) });
    expect(result.structuredContent).toEqual({ seconds: 2 });
    expect(progress).toEqual([
      { progress: 0, total: 2, message: '2 seconds to go' },
      { progress: 1, total: 2, message: '1 seconds to go' },
    ]);
    const call = session.wire.mcpPosts(option.path).findLast((post) => post.rpc.params?.name === 'countdown')!;
    expect(call.contentType).toBe('text/event-stream');
    expect(call.rpc.params?._meta?.progressToken).toBeDefined();
  });

  test('save_note: 403 insufficient_scope, the SDK asks for mcp:read mcp:write, the user approves, the call succeeds', async () => {
    const { client, transport, oauth, wire } = session;
    const before = wire.requests.length;
    const refused = await client.callTool({ name: 'save_note', arguments: { text: `v2 at ${option.path}` } }).then(
      () => new Error('save_note ran with a read-only token'),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UnauthorizedError);
    const forbidden = wire.requests.slice(before).find((request) => request.status === 403)!;
    expect(forbidden.url.pathname).toBe(option.path);
    expect(forbidden.headers['mcp-name']).toBe('save_note');
    expect(oauth.pendingAuthorization?.href.startsWith(`${option.issuer}/authorize?`)).toBe(true);
    expect(oauth.pendingAuthorization?.searchParams.get('scope')).toBe('mcp:read mcp:write');

    const callback = await oauth.authorize();
    await transport.finishAuth(callback.searchParams);
    expect(oauth.tokens()?.scope?.split(' ').sort()).toEqual(['mcp:read', 'mcp:write']);
    const saved = await client.callTool({ name: 'save_note', arguments: { text: `v2 at ${option.path}` } });
    expect(saved.isError, JSON.stringify(saved.content)).toBeFalsy();
    expect(saved.structuredContent).toMatchObject({ saved: { text: `v2 at ${option.path}` } });
    expect((saved.structuredContent as { notes: string[] }).notes).toContain(`v2 at ${option.path}`);
  });

  test('every MCP request on the wire carried the 2026-07-28 envelope and the headers mirroring its body', () => {
    const posts = session.wire.mcpPosts(option.path);
    expect(posts.map((post) => post.rpc.method)).not.toContain('initialize');
    expect(posts.map((post) => post.rpc.method)).not.toContain('notifications/initialized');
    expect(session.wire.requests.filter((request) => request.url.pathname === option.path && request.method !== 'POST')).toEqual([]); // no GET stream
    for (const post of posts) {
      const what = `${post.rpc.method} ${post.rpc.params?.name ?? ''}`;
      expect(post.headers['mcp-protocol-version'], what).toBe(V2026);
      expect(post.headers['mcp-method'], what).toBe(post.rpc.method);
      expect(post.headers['mcp-name'], what).toBe(post.rpc.method === 'tools/call' ? post.rpc.params?.name : undefined);
      // Exactly these headers, and nothing of the 2025 session (Mcp-Session-Id).
      const expectedHeaders = ['accept', 'content-type', 'mcp-method', 'mcp-protocol-version', ...(post.status === 401 ? [] : ['authorization']), ...(post.rpc.method === 'tools/call' ? ['mcp-name'] : [])];
      expect(Object.keys(post.headers).sort(), what).toEqual(expectedHeaders.sort());
      expect(post.headers.accept, what).toBe('application/json, text/event-stream');
      expect(post.headers['content-type'], what).toBe('application/json');
      expect(post.rpc.params?._meta, what).toMatchObject({
        'io.modelcontextprotocol/protocolVersion': V2026,
        'io.modelcontextprotocol/clientCapabilities': expect.any(Object),
        'io.modelcontextprotocol/clientInfo': { name: 'lab-interop-v2-options', version: '1.0.0' },
      });
    }
    const methods = new Set(posts.map((post) => post.rpc.method));
    expect([...methods].sort()).toEqual(['server/discover', 'tools/call', 'tools/list']);
  });
});

describe('SDK v2 held at 2025-11-25 on /mcp', () => {
  const option = OPTIONS[0];

  test('there is no pin for a 2025 revision: { pin: "2025-11-25" } is refused at connect', async () => {
    const client = new Client({ name: 'lab-interop-v2-options', version: '1.0.0' }, { versionNegotiation: { mode: { pin: V2025 } } });
    const transport = new StreamableHTTPClientTransport(new URL(option.path, origin));
    await expect(client.connect(transport)).rejects.toThrow(
      "versionNegotiation: { pin: '2025-11-25' } is not a modern protocol revision — pinning is for 2026-07-28 and later; omit versionNegotiation (or use mode: 'legacy') for 2025-era servers.",
    );
  });

  describe("mode: 'legacy' with supportedProtocolVersions ['2025-11-25']", () => {
    let session: Session;
    beforeAll(async () => {
      session = await connectFromScratch(
        { ...option, user: { userName: 'v2-options-legacy' } },
        { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: [V2025] },
      );
    });
    afterAll(() => session?.client.close());

    test('initialize and notifications/initialized, then every tool at 2025-11-25', async () => {
      const { client } = session;
      expect(client.getProtocolEra()).toBe('legacy');
      expect(client.getNegotiatedProtocolVersion()).toBe(V2025);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(SHARED_TOOLS);
      expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ sum: 3 });
      expect((await client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({ user: { name: 'v2-options-legacy' }, scopes: ['mcp:read'] });
      const progress: unknown[] = [];
      const counted = await client.callTool({ name: 'countdown', arguments: { seconds: 1 } }, { onprogress: (update) => progress.push(update) });
      expect(counted.structuredContent).toEqual({ seconds: 1 });
      expect(progress).toEqual([{ progress: 0, total: 1, message: '1 seconds to go' }]);

      const { transport, oauth } = session;
      await expect(client.callTool({ name: 'save_note', arguments: { text: 'v2 at 2025-11-25' } })).rejects.toBeInstanceOf(UnauthorizedError);
      expect(oauth.pendingAuthorization?.searchParams.get('scope')).toBe('mcp:read mcp:write');
      await transport.finishAuth((await oauth.authorize()).searchParams);
      const saved = await client.callTool({ name: 'save_note', arguments: { text: 'v2 at 2025-11-25' } });
      expect(saved.structuredContent).toMatchObject({ saved: { text: 'v2 at 2025-11-25' } });
    });

    test('the wire: the initialize handshake, MCP-Protocol-Version after it, no 2026 envelope', () => {
      const posts = session.wire.mcpPosts(option.path);
      expect(posts.slice(0, 3).map((post) => `${post.rpc.method} ${post.status}`)).toEqual(['initialize 401', 'initialize 200', 'notifications/initialized 202']);
      const initialize = posts[1];
      expect(initialize.rpc.params).toMatchObject({ protocolVersion: V2025, clientInfo: { name: 'lab-interop-v2-options', version: '1.0.0' } });
      expect(initialize.headers['mcp-protocol-version']).toBeUndefined(); // not known before the handshake
      // After initialized the SDK offers to open the 2025 GET stream; the stateless server has none.
      const streams = session.wire.requests.filter((request) => request.method === 'GET' && request.url.pathname === option.path);
      expect(streams.map((request) => request.status)).toEqual([405]);
      for (const post of posts.slice(2)) {
        const what = `${post.rpc.method} ${post.rpc.params?.name ?? ''}`;
        expect(post.headers['mcp-protocol-version'], what).toBe(V2025);
        expect(post.headers['mcp-method'], what).toBeUndefined(); // the 2026 headers are not sent at 2025
        expect(post.headers['mcp-name'], what).toBeUndefined();
        expect(post.rpc.params?._meta?.['io.modelcontextprotocol/protocolVersion'], what).toBeUndefined();
      }
    });
  });
});
