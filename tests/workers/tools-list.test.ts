import { Validator, type Schema, type SchemaDraft } from '@cfworker/json-schema';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { NOTE_TAGS, NOTES_TTL_SECONDS } from '../../server/mcp/tools';
import { externalToken } from './support/external-client';
import { answerTo, LegacySseConnection, postMcp, rpc, toolCall, type JsonRpcMessage } from './support/mcp-client';
import { authorize } from './support/oauth-client';
import { TOOLS_AT, WORKING_ARGUMENTS } from './support/endpoint-tools';
import { ENDPOINTS, resourceOf, tokenFor, type EndpointName } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { SSE_RESOURCE } from './support/worker';

// What the tool playground builds its editor from: each endpoint's live tools/list. Every tool
// there must carry its input schema (with a description per argument), its output schema, its
// annotations and the scopes it needs (_meta.requiredScopes), as defined once in server/mcp/tools.ts
// and the options' own tools, on both transports; and every result must match its output schema.

const SCOPE = 'mcp:read mcp:write';

const DEFINED = TOOLS_AT;
const ARGUMENTS = WORKING_ARGUMENTS;

/** One way to send a request and read its answer, per transport. */
interface Session {
  request(message: JsonRpcMessage): Promise<JsonRpcMessage>;
  close(): Promise<void>;
}

function streamable(path: string, token: string): Session {
  return {
    async request(message) {
      const { response, messages } = await postMcp(message, { token, path });
      expect(response.status, `${message.method} at ${path}`).toBe(200);
      return answerTo(message, messages);
    },
    async close() {},
  };
}

async function legacySse(token: string): Promise<Session> {
  const connection = await LegacySseConnection.open(token);
  await connection.initialize();
  return {
    async request(message) {
      return (await connection.request(message)).answer;
    },
    close: () => connection.close(),
  };
}

const sessions = {} as Record<EndpointName, Session>;

beforeAll(async () => {
  routeUpstreamToWorker(); // options 2, 3a and 3b talk to the simulated providers
  sessions.worker = streamable(ENDPOINTS.worker, (await authorize({ userName: 'tilda', scope: SCOPE })).tokens.access_token);
  sessions.sse = await legacySse((await authorize({ userName: 'tilda', scope: SCOPE, resource: SSE_RESOURCE })).tokens.access_token);
  for (const name of ['github', 'oidc'] as const) {
    sessions[name] = streamable(ENDPOINTS[name], (await tokenFor(resourceOf(name), { scope: SCOPE })).tokens.access_token);
  }
  sessions.external = streamable(ENDPOINTS.external, (await externalToken({ scope: SCOPE })).tokens.access_token);
});

afterAll(async () => {
  await sessions.sse?.close();
  vi.restoreAllMocks();
});

type JsonSchema = { $schema?: string; type?: string; description?: string; properties?: Record<string, JsonSchema>; required?: string[]; [keyword: string]: unknown };
type ListedTool = { name: string; title?: string; description?: string; inputSchema: JsonSchema; outputSchema?: JsonSchema; annotations?: unknown; _meta?: unknown };

async function listTools(endpoint: EndpointName): Promise<ListedTool[]> {
  const answer = await sessions[endpoint].request(rpc('tools/list'));
  expect(answer.error).toBeUndefined();
  return answer.result?.tools as ListedTool[];
}

/** The draft a listed schema declares: the v2 SDK (/mcp) writes 2020-12, the v1 SDK (/sse) draft-07. */
function draftOf(schema: JsonSchema): { draft: SchemaDraft; target: 'draft-2020-12' | 'draft-07' } {
  if (schema.$schema === 'https://json-schema.org/draft/2020-12/schema') return { draft: '2020-12', target: 'draft-2020-12' };
  if (schema.$schema === 'http://json-schema.org/draft-07/schema#') return { draft: '7', target: 'draft-07' };
  throw new Error(`unexpected $schema ${schema.$schema}`);
}

/** The definition's zod shape as JSON Schema, the way the SDKs list it. */
function expectedSchema(shape: z.ZodRawShape, io: 'input' | 'output', listed: JsonSchema) {
  const schema = io === 'input' ? z.object(shape) : z.strictObject(shape);
  return z.toJSONSchema(schema, { io, target: draftOf(listed).target });
}

const withoutDialect = ({ $schema: _dialect, ...schema }: JsonSchema) => schema;

const validatorFor = (schema: JsonSchema) => new Validator(schema as Schema, draftOf(schema).draft, false);

const textOf = (answer: JsonRpcMessage) => (answer.result?.content as { type: string; text: string }[] | undefined)?.map((part) => part.text).join('\n') ?? '';

const ALL = Object.keys(DEFINED) as EndpointName[];

describe.each(ALL)('tools/list at %s', (endpoint) => {
  it('lists every tool as defined: description, input and output schemas, annotations, _meta.requiredScopes', async () => {
    const listed = await listTools(endpoint);
    expect(listed.map((tool) => tool.name)).toEqual(DEFINED[endpoint].map((tool) => tool.name));
    for (const definition of DEFINED[endpoint]) {
      const tool = listed.find((candidate) => candidate.name === definition.name)!;
      expect(tool.title, tool.name).toBe(definition.title);
      expect(tool.description, tool.name).toBe(definition.description);
      expect(tool.annotations, tool.name).toEqual({ title: definition.title, ...definition.annotations });
      expect(tool._meta, tool.name).toEqual({ requiredScopes: definition.requiredScopes });

      expect(withoutDialect(tool.inputSchema), tool.name).toEqual(withoutDialect(expectedSchema(definition.input, 'input', tool.inputSchema) as JsonSchema));
      // Every argument has hover text.
      for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect(property.description, `${tool.name}.${name}`).toBeTruthy();
      }

      expect(tool.outputSchema, tool.name).toBeDefined();
      const output = tool.outputSchema!;
      expect(withoutDialect(output), tool.name).toEqual(withoutDialect(expectedSchema(definition.output, 'output', output) as JsonSchema));
      expect(output).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });

  it('save_note offers its tag as an enum, for completion', async () => {
    const saveNote = (await listTools(endpoint)).find((tool) => tool.name === 'save_note')!;
    expect(saveNote.inputSchema.properties?.tag).toMatchObject({ type: 'string', enum: [...NOTE_TAGS], description: expect.any(String) });
    expect(saveNote.inputSchema.required).toEqual(['text']);
  });

  it('every tool’s result carries structuredContent that matches the listed outputSchema', async () => {
    const listed = await listTools(endpoint);
    for (const tool of listed) {
      const answer = await sessions[endpoint].request(toolCall(tool.name, ARGUMENTS[tool.name] ?? {}));
      expect(answer.error, tool.name).toBeUndefined();
      expect(answer.result?.isError, `${tool.name}: ${textOf(answer)}`).toBeFalsy();
      const structured = answer.result?.structuredContent;
      expect(structured, tool.name).toBeTypeOf('object');
      const validator = validatorFor(tool.outputSchema!);
      expect(validator.validate(structured).errors, tool.name).toEqual([]);
      // The schema is closed: a key it does not name would fail a client's check.
      expect(validator.validate({ ...structured, unexpected: true }).valid, tool.name).toBe(false);
    }
  });

  it('wrong argument types are a tool execution error (isError: true), not a JSON-RPC error', async () => {
    const answer = await sessions[endpoint].request(toolCall('add', { a: 'two', b: 2 }));
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ isError: true });
    expect(answer.result?.structuredContent).toBeUndefined();
    expect(textOf(answer)).toMatch(/Input validation error: Invalid arguments for tool add: .*expected number, received string/);

    const badTag = await sessions[endpoint].request(toolCall('save_note', { text: 'tagged wrong', tag: 'someday' }));
    expect(badTag.result).toMatchObject({ isError: true });
    expect(textOf(badTag)).toContain('Input validation error');
  });
});

describe('an unknown tool', () => {
  it.each(['worker', 'github', 'oidc', 'external'] as const)('at %s (Streamable HTTP, SDK v2): a JSON-RPC error -32602', async (endpoint) => {
    const answer = await sessions[endpoint].request(toolCall('no_such_tool'));
    expect(answer.result).toBeUndefined();
    expect(answer.error).toMatchObject({ code: -32602, message: 'Tool no_such_tool not found' });
  });

  it('at sse (legacy SSE, SDK v1 via agents): a tool result with isError, not a JSON-RPC error', async () => {
    // @modelcontextprotocol/sdk 1.32's McpServer wraps its own "not found" into a tool error
    // result; the spec (2025-11-25, Tools: Error Handling) and SDK v2 answer a JSON-RPC error.
    const answer = await sessions.sse.request(toolCall('no_such_tool'));
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ isError: true });
    expect(textOf(answer)).toContain('Tool no_such_tool not found');
  });
});

describe('one definition feeds both transports', () => {
  it('/mcp and /sse list the same tools, but for the JSON Schema dialect and the v1 SDK’s execution field', async () => {
    const normalize = (tools: ListedTool[]) =>
      tools.map(({ inputSchema, outputSchema, execution: _execution, ...tool }: ListedTool & { execution?: unknown }) => ({
        ...tool,
        inputSchema: withoutDialect(inputSchema),
        outputSchema: outputSchema && withoutDialect(outputSchema),
      }));
    const [mcp, sse] = await Promise.all([listTools('worker'), listTools('sse')]);
    expect(normalize(sse)).toEqual(normalize(mcp));
  });
});

describe('save_note’s stored notes', () => {
  const key = 'note:nell';

  it('stores the tag with the note, and still reads notes stored as plain strings', async () => {
    const { tokens } = await authorize({ userName: 'nell', scope: SCOPE });
    await env.OAUTH_KV.put(key, JSON.stringify(['written before tags']));
    const session = streamable(ENDPOINTS.worker, tokens.access_token);
    const answer = await session.request(toolCall('save_note', { text: 'a todo', tag: 'todo' }));
    expect(answer.result?.structuredContent).toEqual({ count: 2, saved: { text: 'a todo', tag: 'todo' }, notes: ['written before tags', 'a todo'] });
    expect(JSON.parse((await env.OAUTH_KV.get(key))!)).toEqual([{ text: 'written before tags' }, { text: 'a todo', tag: 'todo' }]);
  });

  it('expire 30 days after the last save, so names made up at the demo sign-in do not pile up', async () => {
    const { tokens } = await authorize({ userName: 'nell', scope: SCOPE });
    const before = Math.floor(Date.now() / 1000);
    await streamable(ENDPOINTS.worker, tokens.access_token).request(toolCall('save_note', { text: 'soon gone' }));
    const [stored] = (await env.OAUTH_KV.list({ prefix: key })).keys;
    expect(stored.expiration).toBeGreaterThanOrEqual(before + NOTES_TTL_SECONDS);
    expect(stored.expiration).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + NOTES_TTL_SECONDS + 1);
  });

  it('keeps the last 20: a save past the limit drops the oldest (hence destructiveHint)', async () => {
    const { tokens } = await authorize({ userName: 'nell', scope: SCOPE });
    await env.OAUTH_KV.put(key, JSON.stringify(Array.from({ length: 20 }, (_, i) => `note ${i}`)));
    const answer = await streamable(ENDPOINTS.worker, tokens.access_token).request(toolCall('save_note', { text: 'the 21st' }));
    expect(answer.result?.structuredContent).toMatchObject({ count: 20, saved: { text: 'the 21st' } });
    const notes = (answer.result?.structuredContent as { notes: string[] }).notes;
    expect(notes[0]).toBe('note 1');
    expect(notes.at(-1)).toBe('the 21st');
  });
});
