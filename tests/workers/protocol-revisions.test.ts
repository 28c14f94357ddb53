import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOOLS } from '../../server/mcp/tools';
import { SERVER_INFO } from '../../server/server-info';
import { externalToken } from './support/external-client';
import { LegacySseConnection } from './support/mcp-client';
import { authorize } from './support/oauth-client';
import { TOOLS_AT, WORKING_ARGUMENTS } from './support/endpoint-tools';
import { ENDPOINTS, resourceOf, tokenFor } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN, SSE_RESOURCE } from './support/worker';

// Both protocol revisions the Streamable HTTP endpoints answer, at one URL each, written out as raw
// JSON-RPC over HTTP so the test documents the wire:
//
// - 2025-11-25: `initialize`, `notifications/initialized` (202), then requests with the
//   `MCP-Protocol-Version` header (the SDK's stateless compatibility lane: no Mcp-Session-Id).
// - 2026-07-28: no handshake; every request carries the `_meta` envelope
//   (`io.modelcontextprotocol/protocolVersion`, `…/clientCapabilities`, `…/clientInfo`) and the
//   `MCP-Protocol-Version`, `Mcp-Method` (and for tools/call `Mcp-Name`) headers; `server/discover`
//   says what the server speaks; results carry `resultType`, lists their cache hints.
//
// Then what the 2026-07-28 Streamable HTTP binding asks of a server when a request is wrong
// (HeaderMismatch -32020, UnsupportedProtocolVersion -32022, both 400), that a 2026 request meets the
// same OAuth challenges as a 2025 one (401, 403 insufficient_scope), and what the legacy /sse
// endpoint (2024-11-05 HTTP+SSE) does with a 2026-style request. Nothing here may be a 500.

const V2025 = '2025-11-25';
const V2026 = '2026-07-28';
const ACCEPT = 'application/json, text/event-stream';
const CLIENT_INFO = { name: 'protocol-revisions-test', version: '1.0.0' };

/** The per-request envelope a 2026-07-28 request carries in `params._meta`. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': V2026,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
};
/** What every 2026-07-28 result's `_meta` says about the server (SDK v2 stamps it). */
const RESULT_META = { 'io.modelcontextprotocol/serverInfo': SERVER_INFO };

const STREAMABLE = ['worker', 'github', 'oidc', 'external'] as const;
type Streamable = (typeof STREAMABLE)[number];

const ARGUMENTS = WORKING_ARGUMENTS;

type Json = Record<string, any>;
interface Exchange {
  status: number;
  headers: Headers;
  /** The raw body. */
  text: string;
  /** Every JSON-RPC message in it, whether sent as JSON or as SSE events. */
  messages: Json[];
}

/** One POST, by hand. Only the headers given are sent (besides Content-Type and Accept). */
async function post(path: string, body: Json, headers: Record<string, string>): Promise<Exchange> {
  const response = await callWorker(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let messages: Json[] = [];
  if (type.startsWith('text/event-stream')) {
    messages = text
      .split(/\r?\n\r?\n/)
      .map((block) => block.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n'))
      .filter(Boolean)
      .map((data) => JSON.parse(data));
  } else if (type.startsWith('application/json') && text) {
    messages = [JSON.parse(text)].flat();
  }
  // Whatever the request, the server must not fail on it.
  expect(response.status, `${body.method} at ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: response.status, headers: response.headers, text, messages };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let nextId = 1;

/** A 2025-11-25 request: no envelope; the version travels in the header (after initialize). */
const request2025 = (method: string, params: Json = {}) => ({ jsonrpc: '2.0', id: nextId++, method, params });
const headers2025 = { 'mcp-protocol-version': V2025 };

/** A 2026-07-28 request: the envelope in `_meta`, and the headers that mirror the body. */
function request2026(method: string, params: Json = {}, meta: Json = {}) {
  return { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } };
}
function headers2026(body: { method: string; params?: Json }): Record<string, string> {
  const name = body.method === 'tools/call' ? (body.params?.name as string) : undefined;
  return { 'mcp-protocol-version': V2026, 'mcp-method': body.method, ...(name && { 'mcp-name': name }) };
}

/** The answer to a request among the messages (skipping notifications such as progress). */
function answerOf(exchange: Exchange, request: { id: number }): Json {
  const answer = exchange.messages.find((message) => message.id === request.id && !('method' in message));
  if (!answer) throw new Error(`no answer to #${request.id} in HTTP ${exchange.status}: ${exchange.text.slice(0, 500)}`);
  return answer;
}

/** Every endpoint's tokens: one granted mcp:read mcp:write, one only mcp:read. */
const tokens = {} as Record<Streamable | 'sse', { full: string; readOnly: string }>;

async function tokenAt(endpoint: Streamable | 'sse', scope: string): Promise<string> {
  switch (endpoint) {
    case 'worker':
      return (await authorize({ userName: 'rosa', scope })).tokens.access_token;
    case 'sse':
      return (await authorize({ userName: 'rosa', scope, resource: SSE_RESOURCE })).tokens.access_token;
    case 'github':
    case 'oidc':
      return (await tokenFor(resourceOf(endpoint), { scope })).tokens.access_token;
    case 'external':
      return (await externalToken({ scope })).tokens.access_token;
  }
}

beforeAll(async () => {
  routeUpstreamToWorker(); // options 2, 3a and 3b talk to the simulated providers
  for (const endpoint of [...STREAMABLE, 'sse'] as const) {
    tokens[endpoint] = { full: await tokenAt(endpoint, 'mcp:read mcp:write'), readOnly: await tokenAt(endpoint, 'mcp:read') };
  }
});

afterAll(() => {
  vi.restoreAllMocks();
});

describe.each(STREAMABLE)('%s: Streamable HTTP at both revisions', (endpoint) => {
  const path = ENDPOINTS[endpoint];
  const toolNames = TOOLS_AT[endpoint].map((tool) => tool.name);

  describe('2025-11-25', () => {
    it('initialize names 2025-11-25; notifications/initialized → 202; tools/list and tools/call add with MCP-Protocol-Version', async () => {
      const token = bearer(tokens[endpoint].full);

      // The handshake: no MCP-Protocol-Version header yet, and none to send back.
      const initialize = request2025('initialize', { protocolVersion: V2025, capabilities: {}, clientInfo: CLIENT_INFO });
      const initialized = await post(path, initialize, token);
      expect(initialized.status).toBe(200);
      expect(initialized.headers.get('mcp-session-id')).toBeNull(); // stateless: no session is minted
      expect(answerOf(initialized, initialize).result).toEqual({
        protocolVersion: V2025,
        capabilities: { tools: { listChanged: true } },
        serverInfo: SERVER_INFO,
      });

      const notification = await post(path, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...token, ...headers2025 });
      expect(notification.status).toBe(202);
      expect(notification.text).toBe('');

      const list = request2025('tools/list');
      const listed = answerOf(await post(path, list, { ...token, ...headers2025 }), list).result;
      expect(listed.tools.map((tool: { name: string }) => tool.name)).toEqual(toolNames);
      // The 2025 shape: none of the 2026 result fields.
      expect(listed).not.toHaveProperty('resultType');
      expect(listed).not.toHaveProperty('ttlMs');
      expect(listed).not.toHaveProperty('cacheScope');

      const add = request2025('tools/call', { name: 'add', arguments: { a: 2, b: 3.5 } });
      const added = answerOf(await post(path, add, { ...token, ...headers2025 }), add);
      expect(added.result).toEqual({ content: [{ type: 'text', text: JSON.stringify({ sum: 5.5 }, null, 2) }], structuredContent: { sum: 5.5 } });
    });
  });

  describe('2026-07-28', () => {
    it('server/discover (no initialize): the supported versions, the capabilities, the server’s identity in the result’s _meta', async () => {
      const discover = request2026('server/discover');
      const exchange = await post(path, discover, { ...bearer(tokens[endpoint].full), ...headers2026(discover) });
      expect(exchange.status).toBe(200);
      expect(exchange.headers.get('content-type')).toBe('application/json');
      expect(exchange.headers.get('mcp-session-id')).toBeNull();
      expect(answerOf(exchange, discover)).toEqual({
        jsonrpc: '2.0',
        id: discover.id,
        result: {
          // Only the modern revision, though the same URL answers 2025-11-25 after an initialize.
          supportedVersions: [V2026],
          capabilities: { tools: { listChanged: true } },
          resultType: 'complete',
          ttlMs: 0,
          cacheScope: 'private',
          // No top-level serverInfo: SDK v2 puts the identity in the result's _meta.
          _meta: RESULT_META,
        },
      });
    });

    it('tools/list: resultType "complete", the cache hints ttlMs 0 and cacheScope "private", every tool', async () => {
      const list = request2026('tools/list');
      const exchange = await post(path, list, { ...bearer(tokens[endpoint].full), ...headers2026(list) });
      expect(exchange.status).toBe(200);
      const { result } = answerOf(exchange, list);
      expect(result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private', _meta: RESULT_META });
      expect(result.tools.map((tool: { name: string }) => tool.name)).toEqual(toolNames);
    });

    it('tools/call, every tool with Mcp-Name: resultType "complete", its structuredContent, no error', async () => {
      for (const name of toolNames) {
        const call = request2026('tools/call', { name, arguments: ARGUMENTS[name] ?? {} });
        const exchange = await post(path, call, { ...bearer(tokens[endpoint].full), ...headers2026(call) });
        expect(exchange.status, name).toBe(200);
        const { result, error } = answerOf(exchange, call);
        expect(error, name).toBeUndefined();
        expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
        expect(result.resultType, name).toBe('complete');
        expect(result._meta, name).toEqual(RESULT_META);
        expect(result.structuredContent, name).toBeTypeOf('object');
        // The text block is the structured result as JSON.
        expect(JSON.parse(result.content[0].text), name).toEqual(result.structuredContent);
      }
    });

    it('what the calls say: add’s sum, whoami’s audience and transport, save_note saved', async () => {
      const token = bearer(tokens[endpoint].full);
      const call = async (name: string, args: Json = {}) => {
        const body = request2026('tools/call', { name, arguments: args });
        return answerOf(await post(path, body, { ...token, ...headers2026(body) }), body).result.structuredContent;
      };
      expect(await call('add', { a: 19, b: 23 })).toEqual({ sum: 42 });
      expect(await call('whoami')).toMatchObject({ audience: resourceOf(endpoint), transport: 'streamable-http', scopes: ['mcp:read', 'mcp:write'] });
      expect(await call('save_note', { text: `2026 at ${endpoint}` })).toMatchObject({ saved: { text: `2026 at ${endpoint}` } });
    });

    it('countdown with a progressToken: an SSE stream, progress first, then the result with resultType', async () => {
      const call = request2026('tools/call', { name: 'countdown', arguments: { seconds: 2 } }, { progressToken: 'countdown-2026' });
      const exchange = await post(path, call, { ...bearer(tokens[endpoint].full), ...headers2026(call) });
      expect(exchange.status).toBe(200);
      expect(exchange.headers.get('content-type')).toBe('text/event-stream');
      expect(exchange.headers.get('x-accel-buffering')).toBe('no'); // the binding's SHOULD for SSE
      const progress = exchange.messages.filter((message) => message.method === 'notifications/progress');
      expect(progress.map((message) => message.params)).toEqual([
        { progressToken: 'countdown-2026', progress: 0, total: 2, message: '2 seconds to go' },
        { progressToken: 'countdown-2026', progress: 1, total: 2, message: '1 seconds to go' },
      ]);
      expect(exchange.messages.at(-1)).toMatchObject({ id: call.id, result: { resultType: 'complete', structuredContent: { seconds: 2 } } });
    });

    it('the envelope: clientInfo may be left out (a SHOULD), clientCapabilities may not (400, -32602)', async () => {
      const token = bearer(tokens[endpoint].full);
      const { 'io.modelcontextprotocol/clientInfo': _clientInfo, ...withoutClientInfo } = ENVELOPE;
      const anonymous = { jsonrpc: '2.0', id: nextId++, method: 'tools/list', params: { _meta: withoutClientInfo } };
      const listed = await post(path, anonymous, { ...token, ...headers2026(anonymous) });
      expect(listed.status).toBe(200);
      expect(answerOf(listed, anonymous).result.resultType).toBe('complete');

      const { 'io.modelcontextprotocol/clientCapabilities': _capabilities, ...withoutCapabilities } = ENVELOPE;
      const incomplete = { jsonrpc: '2.0', id: nextId++, method: 'tools/list', params: { _meta: withoutCapabilities } };
      const refused = await post(path, incomplete, { ...token, ...headers2026(incomplete) });
      expect(refused.status).toBe(400);
      expect(answerOf(refused, incomplete).error).toMatchObject({
        code: -32602,
        data: { envelope: { key: 'io.modelcontextprotocol/clientCapabilities', problem: 'missing' } },
      });
    });

    it('what 2026-07-28 removed: initialize in the envelope is an unknown method (404, -32601); GET and DELETE are 405', async () => {
      const token = bearer(tokens[endpoint].full);
      const initialize = request2026('initialize', { protocolVersion: V2026, capabilities: {}, clientInfo: CLIENT_INFO });
      const exchange = await post(path, initialize, { ...token, ...headers2026(initialize) });
      expect(exchange.status).toBe(404);
      expect(answerOf(exchange, initialize).error).toEqual({ code: -32601, message: 'Method not found' });

      for (const method of ['GET', 'DELETE']) {
        const response = await callWorker(path, { method, headers: { ...token, accept: 'text/event-stream', 'mcp-protocol-version': V2026 } });
        expect(response.status, method).toBe(405);
        expect(await response.json(), method).toMatchObject({ error: { code: -32000, message: 'Method not allowed.' } });
      }
    });
  });

  describe('2026-07-28, refused', () => {
    const headerMismatch = async (body: Json, headers: Record<string, string>) => {
      const exchange = await post(path, body, { ...bearer(tokens[endpoint].full), ...headers });
      expect(exchange.status).toBe(400);
      const { error } = answerOf(exchange, body as { id: number });
      expect(error.code).toBe(-32020);
      return error;
    };

    it('Mcp-Method disagreeing with the body → 400 HeaderMismatch (-32020), naming both', async () => {
      const list = request2026('tools/list');
      const error = await headerMismatch(list, { ...headers2026(list), 'mcp-method': 'tools/call' });
      expect(error).toEqual({
        code: -32020,
        message: 'Bad Request: the request headers and body disagree: the body names method tools/list but the Mcp-Method header names tools/call',
        data: { mismatch: { header: 'tools/call', body: 'the body names method tools/list but the Mcp-Method header names tools/call' } },
      });
    });

    it('Mcp-Name disagreeing, or a required header missing → 400 HeaderMismatch (-32020)', async () => {
      const call = () => request2026('tools/call', { name: 'add', arguments: { a: 1, b: 2 } });
      let body = call();
      expect((await headerMismatch(body, { ...headers2026(body), 'mcp-name': 'whoami' })).message).toContain('the body carries params.name="add" but the Mcp-Name header names "whoami"');
      body = call();
      const { 'mcp-name': _name, ...withoutName } = headers2026(body);
      expect((await headerMismatch(body, withoutName)).message).toContain('the required Mcp-Name header is absent');
      body = call();
      const { 'mcp-method': _method, ...withoutMethod } = headers2026(body);
      expect((await headerMismatch(body, withoutMethod)).message).toContain('the required Mcp-Method header is absent');
      body = call();
      const { 'mcp-protocol-version': _version, ...withoutVersion } = headers2026(body);
      expect((await headerMismatch(body, withoutVersion)).message).toContain('the required MCP-Protocol-Version header is absent');
      body = call();
      expect((await headerMismatch(body, { ...headers2026(body), 'mcp-protocol-version': V2025 })).message).toContain(
        'the body envelope names protocol version 2026-07-28 but the MCP-Protocol-Version header names 2025-11-25',
      );
    });

    it('an Mcp-Name header naming a read tool does not let a read-only token run save_note: 403 (the body decides)', async () => {
      const call = request2026('tools/call', { name: 'save_note', arguments: { text: 'smuggled' } });
      const exchange = await post(path, call, { ...bearer(tokens[endpoint].readOnly), ...headers2026(call), 'mcp-name': 'add' });
      expect(exchange.status).toBe(403);
      expect(exchange.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    });

    it('an unsupported protocol version → 400 UnsupportedProtocolVersion (-32022) with the supported list', async () => {
      for (const version of ['2099-01-01', '2024-11-05', V2025]) {
        const list = request2026('tools/list', {}, { 'io.modelcontextprotocol/protocolVersion': version });
        const exchange = await post(path, list, { ...bearer(tokens[endpoint].full), ...headers2026(list), 'mcp-protocol-version': version });
        expect(exchange.status, version).toBe(400);
        expect(answerOf(exchange, list).error, version).toEqual({
          code: -32022,
          message: `Unsupported protocol version: ${version}`,
          // Only 2026-07-28: not the 2025 revisions this URL serves to a client that sends initialize.
          data: { supported: [V2026], requested: version },
        });
      }
    });

    it('no token → 401 with the same challenge as a 2025 request', async () => {
      const modern = request2026('tools/list');
      const unauthorized2026 = await post(path, modern, headers2026(modern));
      const unauthorized2025 = await post(path, request2025('tools/list'), headers2025);
      expect(unauthorized2026.status).toBe(401);
      expect(unauthorized2025.status).toBe(401);
      const challenge = unauthorized2026.headers.get('www-authenticate');
      expect(challenge).toBe(`Bearer realm="OAuth", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource${path}", scope="mcp:read"`);
      expect(challenge).toBe(unauthorized2025.headers.get('www-authenticate'));
      expect(unauthorized2026.text).toBe(unauthorized2025.text);
    });

    it('a token without mcp:write calling save_note → 403 insufficient_scope, the same as at 2025', async () => {
      const token = bearer(tokens[endpoint].readOnly);
      const modern = request2026('tools/call', { name: 'save_note', arguments: { text: 'no write scope' } });
      const legacy = request2025('tools/call', { name: 'save_note', arguments: { text: 'no write scope' } });
      const forbidden2026 = await post(path, modern, { ...token, ...headers2026(modern) });
      const forbidden2025 = await post(path, legacy, { ...token, ...headers2025 });
      expect(forbidden2026.status).toBe(403);
      expect(forbidden2025.status).toBe(403);
      expect(forbidden2026.headers.get('www-authenticate')).toBe(
        `Bearer realm="OAuth", error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource${path}", error_description="The save_note tool needs the mcp:write scope."`,
      );
      expect(forbidden2026.headers.get('www-authenticate')).toBe(forbidden2025.headers.get('www-authenticate'));
      expect(JSON.parse(forbidden2026.text)).toEqual({ error: 'insufficient_scope', error_description: 'The save_note tool needs the mcp:write scope.' });
      expect(forbidden2026.text).toBe(forbidden2025.text);
    });
  });
});

describe('/sse (HTTP+SSE, 2024-11-05) and a 2026-07-28 request', () => {
  const path = ENDPOINTS.sse;

  it('POST /sse: 404 in plain text, not a JSON-RPC error, so a 2026 client falls back to GET (the binding’s backward-compatibility rule)', async () => {
    const discover = request2026('server/discover');
    const exchange = await post(path, discover, { ...bearer(tokens.sse.full), ...headers2026(discover) });
    expect(exchange.status).toBe(404);
    expect(exchange.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(exchange.text).toBe('Not found. Post messages to the endpoint the SSE stream announced.');
    expect(exchange.messages).toEqual([]);
  });

  it('POST /sse without a token: the 401 challenge for /sse, as for any request', async () => {
    const discover = request2026('server/discover');
    const exchange = await post(path, discover, headers2026(discover));
    expect(exchange.status).toBe(401);
    expect(exchange.headers.get('www-authenticate')).toBe(`Bearer realm="OAuth", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/sse", scope="mcp:read"`);
  });

  it('inside a session (no initialize sent): server/discover is -32601; tools/list and tools/call answer in the 2024-11-05 shape, the envelope and Mcp-* headers ignored', async () => {
    const connection = await LegacySseConnection.open(tokens.sse.full);
    try {
      const send = async (body: ReturnType<typeof request2026>, headers: Record<string, string>) => {
        const posted = await connection.post(body as never, tokens.sse.full, headers);
        expect(posted.status, body.method).toBe(202);
        expect(await posted.text()).toBe('Accepted');
        const event = await connection.events.until((candidate) => candidate.event === 'message');
        const answer = JSON.parse(event.data) as Json;
        expect(answer.id).toBe(body.id);
        return answer;
      };

      const discover = request2026('server/discover');
      expect(await send(discover, headers2026(discover))).toEqual({ jsonrpc: '2.0', id: discover.id, error: { code: -32601, message: 'Method not found' } });

      const list = request2026('tools/list');
      const listed = (await send(list, headers2026(list))).result;
      expect(listed.tools.map((tool: { name: string }) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
      expect(listed).not.toHaveProperty('resultType');
      expect(listed).not.toHaveProperty('ttlMs');

      // An Mcp-Name that disagrees with the body is not checked here: the body's tool runs.
      const add = request2026('tools/call', { name: 'add', arguments: { a: 1, b: 2 } });
      const added = await send(add, { ...headers2026(add), 'mcp-name': 'whoami' });
      expect(added.result).toEqual({ content: [{ type: 'text', text: JSON.stringify({ sum: 3 }, null, 2) }], structuredContent: { sum: 3 } });
    } finally {
      await connection.close();
    }
  });
});
