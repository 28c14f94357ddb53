import { InMemoryTransport as InMemoryTransportV1 } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { define, descriptorOf, result, TOOLS, type ToolContext, type ToolDefinition } from './tools';

// What each tool descriptor carries, and that both MCP SDKs refuse a result whose structuredContent
// leaves the tool's output shape: it becomes a tool error (isError), never a result a client trusts.

describe('the tool definitions', () => {
  it.each(TOOLS.map((tool) => [tool.name, tool] as const))('%s: a description, described arguments, an output shape, every annotation, its scopes', (_name, tool) => {
    expect(tool.description.length).toBeGreaterThan(20);
    for (const [name, argument] of Object.entries(tool.input)) expect((argument as z.ZodType).description, name).toBeTruthy();
    expect(Object.keys(tool.output).length).toBeGreaterThan(0);
    expect(Object.keys(tool.annotations).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
    expect(tool.requiredScopes.length).toBeGreaterThan(0);
    const descriptor = descriptorOf(tool);
    expect(descriptor._meta).toEqual({ requiredScopes: tool.requiredScopes });
    expect(descriptor.annotations).toEqual({ title: tool.title, ...tool.annotations });
  });

  it('only save_note writes', () => {
    expect(TOOLS.filter((tool) => !tool.annotations.readOnlyHint).map((tool) => tool.name)).toEqual(['save_note']);
  });
});

/** A tool whose run returns whatever structuredContent the test gives it. */
const returning = (structured: unknown) =>
  define({
    name: 'probe',
    title: 'Probe',
    description: 'Returns what the test asks for.',
    input: {},
    output: { sum: z.number(), detail: z.strictObject({ note: z.string() }) },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: [],
    async run() {
      return structured === undefined ? { content: [{ type: 'text', text: 'none' }] } as never : result(structured as never);
    },
  });

type Message = { jsonrpc: '2.0'; id?: number; method?: string; params?: unknown; result?: Record<string, any>; error?: { code: number; message: string } };
interface Endpoint {
  onmessage?: (message: any) => void;
  start(): Promise<void>;
  send(message: any): Promise<void>;
}

/** A hand-driven 2025-11-25 client on one end of an in-memory pair. */
async function client(end: Endpoint) {
  const waiting = new Map<number, (message: Message) => void>();
  end.onmessage = (message: Message) => {
    if (message.id !== undefined && !message.method) waiting.get(message.id)?.(message);
  };
  await end.start();
  let id = 0;
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<Message>((resolve) => {
      waiting.set(++id, resolve);
      void end.send({ jsonrpc: '2.0', id, method, params });
    });
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'tools-test', version: '1.0.0' } });
  await end.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return request;
}

const context = {} as ToolContext;

async function callOnV2(tool: ToolDefinition) {
  const server = new McpServer({ name: 'tools-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool(tool.name, descriptorOf(tool), async (args: Record<string, unknown>) => tool.run(args as never, context));
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  await server.connect(serverEnd);
  return (await client(clientEnd))('tools/call', { name: tool.name, arguments: {} });
}

async function callOnV1(tool: ToolDefinition) {
  const server = new McpServerV1({ name: 'tools-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool(tool.name, descriptorOf(tool), async (args: Record<string, unknown>) => tool.run(args as never, context));
  const [clientEnd, serverEnd] = InMemoryTransportV1.createLinkedPair();
  await server.connect(serverEnd);
  return (await client(clientEnd))('tools/call', { name: tool.name, arguments: {} });
}

describe.each([
  ['SDK v2 (Streamable HTTP)', callOnV2],
  ['SDK v1 (legacy SSE)', callOnV1],
])('%s checks structuredContent against the output shape', (_sdk, call) => {
  it('a matching result goes through', async () => {
    const answer = await call(returning({ sum: 3, detail: { note: 'ok' } }));
    expect(answer.result).toMatchObject({ structuredContent: { sum: 3, detail: { note: 'ok' } } });
    expect(answer.result?.isError).toBeFalsy();
  });

  it.each([
    ['a key the shape does not name', { sum: 3, detail: { note: 'ok' }, extra: true }],
    ['a nested key the shape does not name', { sum: 3, detail: { note: 'ok', extra: true } }],
    ['a wrong type', { sum: '3', detail: { note: 'ok' } }],
    ['a missing field', { sum: 3 }],
    ['no structuredContent at all', undefined],
  ])('%s becomes a tool error', async (_case, structured) => {
    const answer = await call(returning(structured));
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ isError: true });
    expect(answer.result?.structuredContent).toBeUndefined();
    expect(JSON.stringify(answer.result?.content)).toContain('Output validation error');
  });
});
