/**
 * The tools an MCP endpoint offers, as its live `tools/list` describes them, and everything the
 * playground's editor derives from that list: the JSON Schema of a `tools/call` request (so Monaco
 * completes tool and argument names, shows each description on hover and marks a missing or
 * mistyped argument before anything is sent), an example request per tool, and the scopes a tool
 * needs. Nothing here is written per tool: a tool added to the server shows up on its own.
 * Pure: no DOM, no Monaco.
 */
export type JsonSchema = { [keyword: string]: unknown };

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface PlaygroundTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  /**
   * The scopes a call needs, from the descriptor's `_meta.requiredScopes` (this server's own
   * convention: the spec has no per-tool scopes). Empty when the server does not say; the 403
   * challenge remains the authority either way.
   */
  requiredScopes: string[];
}

export class ToolListError extends Error {}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The tools of a `tools/list` result (the JSON-RPC `result`, or the whole reply). */
export function toolsFromList(reply: unknown): PlaygroundTool[] {
  const result = isObject(reply) && isObject(reply.result) ? reply.result : reply;
  if (isObject(reply) && isObject(reply.error)) throw new ToolListError(`tools/list failed: ${String(reply.error.message ?? 'JSON-RPC error')}`);
  if (!isObject(result) || !Array.isArray(result.tools)) throw new ToolListError('The answer to tools/list has no "tools" array.');
  return result.tools.filter(isObject).flatMap((tool): PlaygroundTool[] => {
    if (typeof tool.name !== 'string' || tool.name === '') return [];
    const scopes = isObject(tool._meta) && Array.isArray(tool._meta.requiredScopes) ? tool._meta.requiredScopes.filter((scope): scope is string => typeof scope === 'string') : [];
    return [
      {
        name: tool.name,
        ...(typeof tool.title === 'string' && { title: tool.title }),
        ...(typeof tool.description === 'string' && { description: tool.description }),
        inputSchema: isObject(tool.inputSchema) ? withoutDialect(tool.inputSchema) : { type: 'object' },
        ...(isObject(tool.outputSchema) && { outputSchema: tool.outputSchema }),
        ...(isObject(tool.annotations) && { annotations: tool.annotations as ToolAnnotations }),
        requiredScopes: scopes,
      },
    ];
  });
}

/** A nested `$schema` means nothing to Monaco's validator and may make it try to fetch; the request schema has its own. */
function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** The scopes `tool` needs that `granted` lacks (`write` implies `read` on this server, as the 403 does). */
export function missingScopes(tool: Pick<PlaygroundTool, 'requiredScopes'>, granted: readonly string[], implied: Readonly<Record<string, readonly string[]>> = {}): string[] {
  const held = new Set(granted.flatMap((scope) => [scope, ...(implied[scope] ?? [])]));
  return tool.requiredScopes.filter((scope) => !held.has(scope));
}

/** One line on a tool for completion and hover: its title and description, and the scopes it needs. */
export function toolSummary(tool: PlaygroundTool): string {
  const heading = tool.title && tool.title !== tool.name ? `**${tool.title}**: ` : '';
  const scopes = tool.requiredScopes.length > 0 ? `\n\nNeeds ${tool.requiredScopes.map((scope) => `\`${scope}\``).join(' ')}.` : '';
  return `${heading}${tool.description ?? ''}${scopes}`;
}

/**
 * The JSON Schema of one JSON-RPC `tools/call` request to these tools: `params.name` is one of
 * their names, and `params.arguments` is checked against that tool's own input schema.
 */
export function requestSchema(tools: readonly PlaygroundTool[]): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'JSON-RPC tools/call request',
    type: 'object',
    required: ['jsonrpc', 'id', 'method', 'params'],
    additionalProperties: false,
    properties: {
      jsonrpc: { const: '2.0', description: 'Always "2.0" (JSON-RPC 2.0).' },
      id: { type: ['integer', 'string'], description: 'Matches the answer to this request. Unique per request.' },
      method: { const: 'tools/call', description: 'Calls one tool. The editor sends tool calls only.' },
      params: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: {
            description: 'The tool to call, from this endpoint’s tools/list.',
            enum: tools.map((tool) => tool.name),
            markdownEnumDescriptions: tools.map(toolSummary),
          },
          arguments: { type: 'object', description: 'The tool’s arguments, checked against its input schema.' },
          _meta: {
            type: 'object',
            description: 'Request metadata.',
            properties: {
              progressToken: {
                type: ['string', 'integer'],
                description: 'Asks the server for notifications/progress about this call, tagged with this token.',
              },
            },
          },
        },
        allOf: tools.map((tool) => ({
          if: { properties: { name: { const: tool.name } }, required: ['name'] },
          then: {
            properties: { arguments: { ...tool.inputSchema, description: toolSummary(tool) } },
            ...(requiredArguments(tool).length > 0 && { required: ['arguments'] }),
          },
        })),
      },
    },
  };
}

const requiredArguments = (tool: PlaygroundTool) => (Array.isArray(tool.inputSchema.required) ? (tool.inputSchema.required as string[]) : []);

/**
 * Arguments that satisfy a tool's input schema, from the schema alone: each required argument
 * (and each with a default) gets its default, its first example or enum value, or the smallest
 * value its type and bounds allow.
 */
export function exampleArguments(schema: JsonSchema): Record<string, unknown> {
  const value = exampleOf(schema);
  return isObject(value) ? value : {};
}

function exampleOf(schema: JsonSchema): unknown {
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const example: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        if (isObject(property) && (required.has(name) || 'default' in property)) example[name] = exampleOf(property);
      }
      return example;
    }
    case 'integer':
    case 'number': {
      const minimum = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 1;
      return type === 'integer' ? Math.ceil(minimum) : minimum;
    }
    case 'string': {
      const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const text = typeof schema.description === 'string' ? schema.description.split(/[.,(]/)[0].trim().toLowerCase() : 'text';
      return text.length >= minLength ? text || 'text' : text.padEnd(minLength, '.');
    }
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      return {};
  }
}

/** An example `tools/call` request for a tool, as pretty JSON, asking for progress notifications. */
export function exampleRequest(tool: PlaygroundTool, id: number): string {
  const request = {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: tool.name, arguments: exampleArguments(tool.inputSchema), _meta: { progressToken: `${tool.name}-${id}` } },
  };
  return JSON.stringify(request, null, 2);
}
