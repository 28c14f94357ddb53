import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOLS } from '../../server/mcp/tools';
import { exampleArguments, exampleRequest, missingScopes, requestSchema, toolsFromList, ToolListError, type PlaygroundTool } from './tool-catalog';

/** A tools/list answer as the server sends it: each tool's input schema is its zod shape as JSON Schema. */
const listReply = {
  jsonrpc: '2.0',
  id: 3,
  result: {
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: z.toJSONSchema(z.object(tool.input)),
      _meta: { requiredScopes: tool.requiredScopes },
    })),
  },
};
const tools = toolsFromList(listReply);
const byName = (name: string) => tools.find((tool) => tool.name === name)!;
const validate = (request: unknown) => new Validator(requestSchema(tools) as never, '7', false).validate(request);
const call = (name: string, args?: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, ...(args !== undefined && { arguments: args }) } });

describe('toolsFromList', () => {
  it('reads every tool, its schemas and the scopes it needs, from the reply or its result', () => {
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
    expect(byName('save_note').requiredScopes).toEqual(['mcp:read', 'mcp:write']);
    expect(byName('add').inputSchema).not.toHaveProperty('$schema');
    expect(toolsFromList(listReply.result)).toEqual(tools);
  });

  it('refuses an answer that is not a tool list, and says what came instead', () => {
    expect(() => toolsFromList({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } })).toThrow(new ToolListError('tools/list failed: Method not found'));
    expect(() => toolsFromList({ result: {} })).toThrow(ToolListError);
  });

  it('skips nameless entries and treats a tool without _meta as needing no stated scope', () => {
    expect(toolsFromList({ tools: [{ description: 'no name' }, { name: 'bare' }] })).toEqual([{ name: 'bare', inputSchema: { type: 'object' }, requiredScopes: [] }]);
  });
});

describe('requestSchema: what the editor checks before sending', () => {
  it('accepts each tool’s example request', () => {
    for (const tool of tools) expect([tool.name, validate(JSON.parse(exampleRequest(tool, 7))).valid]).toEqual([tool.name, true]);
  });

  it('marks a mistyped argument, a missing one, an unknown tool and a stray field', () => {
    const mistyped = validate(call('add', { a: 'two', b: 2 }));
    expect(mistyped.valid).toBe(false);
    expect(mistyped.errors.map((error) => error.instanceLocation)).toContain('#/params/arguments/a');
    expect(validate(call('add', { a: 1 })).valid).toBe(false);
    expect(validate(call('add')).valid).toBe(false);
    expect(validate(call('no_such_tool', {})).valid).toBe(false);
    expect(validate({ ...call('whoami', {}), extra: true }).valid).toBe(false);
    expect(validate(call('whoami')).valid).toBe(true);
  });

  it('checks bounds from the tool’s schema', () => {
    expect(validate(call('countdown', { seconds: 11 })).valid).toBe(false);
    expect(validate(call('countdown', { seconds: 2 })).valid).toBe(true);
  });

  it('offers the tool names with their descriptions and scopes, for completion and hover', () => {
    const name = ((requestSchema(tools).properties as any).params.properties.name) as { enum: string[]; markdownEnumDescriptions: string[] };
    expect(name.enum).toEqual(tools.map((tool) => tool.name));
    expect(name.markdownEnumDescriptions[name.enum.indexOf('save_note')]).toMatch(/^\*\*Save a note\*\*: .*\n\nNeeds `mcp:read` `mcp:write`\.$/s);
  });
});

describe('exampleArguments', () => {
  it('fills required arguments and those with defaults, within their bounds', () => {
    expect(exampleArguments(byName('countdown').inputSchema)).toEqual({ seconds: 3 });
    expect(Object.keys(exampleArguments(byName('add').inputSchema))).toEqual(['a', 'b']);
    expect(exampleArguments({ type: 'object', properties: { n: { type: 'integer', minimum: 4 }, kind: { enum: ['x', 'y'] }, optional: { type: 'string' } }, required: ['n', 'kind'] })).toEqual({ n: 4, kind: 'x' });
    expect(exampleArguments({ type: 'object', properties: { code: { type: 'string', minLength: 6 } }, required: ['code'] })).toEqual({ code: 'text..' });
  });

  it('asks for progress on every example, with a token unique to the request', () => {
    expect(JSON.parse(exampleRequest(byName('whoami'), 4)).params._meta).toEqual({ progressToken: 'whoami-4' });
  });
});

describe('missingScopes', () => {
  const saveNote: Pick<PlaygroundTool, 'requiredScopes'> = { requiredScopes: ['mcp:read', 'mcp:write'] };
  it('names what the token lacks, counting implied scopes as held', () => {
    expect(missingScopes(saveNote, ['mcp:read'])).toEqual(['mcp:write']);
    expect(missingScopes(saveNote, ['mcp:write'], { 'mcp:write': ['mcp:read'] })).toEqual([]);
    expect(missingScopes({ requiredScopes: [] }, [])).toEqual([]);
  });
});
