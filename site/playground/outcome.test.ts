import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallOutcome } from './call-client';
import { checkOutput, readOutcome } from './outcome';

const base: CallOutcome = { exchange: null, status: 200, challenge: null, progress: [], cancelled: false };
const reply = (body: object): CallOutcome => ({ ...base, reply: { id: 1, ...body } as never });
const sumSchema = z.toJSONSchema(z.object({ sum: z.number() })) as Record<string, unknown>;

describe('readOutcome keeps the five kinds of answer apart', () => {
  it('HTTP 401 and 403 insufficient_scope, before any JSON-RPC', () => {
    expect(readOutcome({ ...base, status: 401, challenge: { error: 'invalid_token' } })).toEqual({ kind: 'unauthorized', status: 401, error: 'invalid_token', description: undefined });
    expect(readOutcome({ ...base, status: 403, challenge: { error: 'insufficient_scope', scope: ['mcp:read', 'mcp:write'] } })).toMatchObject({ kind: 'insufficient-scope', scopes: ['mcp:read', 'mcp:write'] });
    expect(readOutcome({ ...base, status: 403, challenge: null, exchange: { responseBody: 'Origin refused' } as never })).toEqual({ kind: 'http-error', status: 403, body: 'Origin refused' });
  });

  it('a JSON-RPC error, a tool error and a result', () => {
    expect(readOutcome(reply({ error: { code: -32602, message: 'Tool nope not found' } }))).toEqual({ kind: 'jsonrpc-error', code: -32602, message: 'Tool nope not found' });
    expect(readOutcome(reply({ result: { isError: true, content: [{ type: 'text', text: 'Invalid arguments' }] } }))).toEqual({ kind: 'tool-error', content: [{ type: 'text', text: 'Invalid arguments' }] });
    expect(readOutcome(reply({ result: { content: [{ type: 'text', text: '3' }], structuredContent: { sum: 3 } } }), { outputSchema: sumSchema })).toEqual({
      kind: 'result',
      content: [{ type: 'text', text: '3' }],
      structured: { sum: 3 },
      outputCheck: { valid: true, errors: [] },
    });
  });

  it('cancelled, and not sent at all', () => {
    expect(readOutcome({ ...base, cancelled: true })).toEqual({ kind: 'cancelled' });
    expect(readOutcome({ ...base, status: null, problem: 'There is no access token: run the flow first.' })).toEqual({ kind: 'not-sent', problem: 'There is no access token: run the flow first.' });
  });
});

describe('checkOutput', () => {
  it('says where structuredContent leaves the output schema', () => {
    expect(checkOutput({ sum: 'three' }, sumSchema)).toEqual({ valid: false, errors: [expect.stringMatching(/^\/sum: /)] });
    expect(checkOutput({}, sumSchema).valid).toBe(false);
    expect(checkOutput(undefined, sumSchema)).toEqual({ valid: false, errors: ['The tool declares an outputSchema but sent no structuredContent.'] });
  });
});
