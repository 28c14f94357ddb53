import { Validator, type Schema } from '@cfworker/json-schema';
import type { CallOutcome } from './call-client';
import { isObject, type JsonSchema, type PlaygroundTool } from './tool-catalog';

/**
 * What a tool call came back as, in the four ways an answer can fail and the one it succeeds,
 * kept apart because each means something else to a client:
 *   - HTTP 401 / 403: the request never reached the tool (no valid token, not enough scope, a
 *     refused Origin…): a matter for authorization, answered with a WWW-Authenticate challenge.
 *   - a JSON-RPC error: the message itself was wrong (unknown tool, bad JSON, wrong method).
 *   - a tool error (`isError: true`): the tool ran, or tried to, and says what went wrong, in a
 *     form the model can read and correct.
 *   - a result: `content` for the model and the reader, `structuredContent` for code, which must
 *     match the tool's `outputSchema`.
 */
export interface ContentBlock {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface OutputCheck {
  valid: boolean;
  /** Where and why it does not match, one line each. */
  errors: string[];
}

export type ReadOutcome =
  | { kind: 'not-sent'; problem: string }
  | { kind: 'cancelled' }
  | { kind: 'unauthorized'; status: 401; error?: string; description?: string }
  | { kind: 'insufficient-scope'; status: 403; scopes: string[]; description?: string }
  | { kind: 'http-error'; status: number | null; body: string }
  | { kind: 'jsonrpc-error'; code: number; message: string; data?: unknown }
  | { kind: 'tool-error'; content: ContentBlock[] }
  | { kind: 'result'; content: ContentBlock[]; structured?: Record<string, unknown>; outputCheck: OutputCheck | null };

export function readOutcome(outcome: CallOutcome, tool?: Pick<PlaygroundTool, 'outputSchema'>): ReadOutcome {
  if (outcome.cancelled) return { kind: 'cancelled' };
  if (outcome.status === 401) return { kind: 'unauthorized', status: 401, error: outcome.challenge?.error, description: outcome.challenge?.errorDescription };
  if (outcome.status === 403 && outcome.challenge?.error === 'insufficient_scope') {
    return { kind: 'insufficient-scope', status: 403, scopes: outcome.challenge.scope ?? [], description: outcome.challenge.errorDescription };
  }
  if (outcome.status !== null && outcome.status >= 300) return { kind: 'http-error', status: outcome.status, body: outcome.exchange?.responseBody ?? '' };
  const reply = outcome.reply as { error?: unknown; result?: unknown } | undefined;
  if (isObject(reply?.error)) {
    const { code, message, data } = reply.error;
    return { kind: 'jsonrpc-error', code: typeof code === 'number' ? code : 0, message: typeof message === 'string' ? message : 'JSON-RPC error', ...(data !== undefined && { data }) };
  }
  if (!isObject(reply?.result)) {
    if (outcome.status === null && !outcome.exchange) return { kind: 'not-sent', problem: outcome.problem ?? 'Not sent.' };
    return { kind: 'http-error', status: outcome.status, body: outcome.problem ?? outcome.exchange?.responseBody ?? '' };
  }
  const result = reply.result;
  const content = Array.isArray(result.content) ? result.content.filter(isObject).map((block) => block as ContentBlock) : [];
  if (result.isError === true) return { kind: 'tool-error', content };
  const structured = isObject(result.structuredContent) ? result.structuredContent : undefined;
  return { kind: 'result', content, ...(structured && { structured }), outputCheck: tool?.outputSchema ? checkOutput(structured, tool.outputSchema) : null };
}

/** Does structuredContent match the tool's outputSchema? A tool that declares one must send it. */
export function checkOutput(structured: Record<string, unknown> | undefined, schema: JsonSchema): OutputCheck {
  if (structured === undefined) return { valid: false, errors: ['The tool declares an outputSchema but sent no structuredContent.'] };
  const draft = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07') ? '7' : '2020-12';
  const result = new Validator(schema as Schema, draft, false).validate(structured);
  return {
    valid: result.valid,
    // The validator reports each failing keyword up the tree; the deepest ones say what is wrong.
    errors: result.errors.filter((error) => !['properties', 'allOf', 'anyOf', 'oneOf', '$ref'].includes(error.keyword)).map((error) => `${error.instanceLocation.replace(/^#/, '') || '/'}: ${error.error}`),
  };
}
