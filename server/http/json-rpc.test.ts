import { describe, expect, it } from 'vitest';
import { INVALID_REQUEST, jsonRpcError, PARSE_ERROR, parseJsonRpc } from './json-rpc';

async function expectError(result: ReturnType<typeof parseJsonRpc>, code: number) {
  expect(result).toBeInstanceOf(Response);
  const response = result as Response;
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code }, id: null });
}

describe('parseJsonRpc', () => {
  it('returns a single request as a list of one', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"ping"}')).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
  });

  it('returns a batch as it came, notifications and responses included', () => {
    const batch = [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 'a', result: {} },
    ];
    expect(parseJsonRpc(JSON.stringify(batch))).toEqual(batch);
  });

  it.each(['', '{', '{"jsonrpc":"2.0",}', 'undefined', "{'jsonrpc':'2.0'}", '\u0000'])('answers -32700 for text that is not JSON: %j', async (text) => {
    await expectError(parseJsonRpc(text), PARSE_ERROR);
  });

  it.each([
    ['an empty batch', '[]'],
    ['a string', '"ping"'],
    ['a number', '42'],
    ['null', 'null'],
    ['a batch with a non-object', '[{"jsonrpc":"2.0","method":"ping"}, 1]'],
    ['a missing version', '{"id":1,"method":"ping"}'],
    ['another version', '{"jsonrpc":"1.0","id":1,"method":"ping"}'],
    ['a numeric version', '{"jsonrpc":2.0,"id":1,"method":"ping"}'],
    ['a non-string method', '{"jsonrpc":"2.0","id":1,"method":["ping"]}'],
    ['a null method', '{"jsonrpc":"2.0","id":1,"method":null}'],
  ])('answers -32600 for %s', async (_label, text) => {
    await expectError(parseJsonRpc(text), INVALID_REQUEST);
  });
});

describe('jsonRpcError', () => {
  it('carries the status, code, message and id it was given', async () => {
    const response = jsonRpcError(413, INVALID_REQUEST, 'too large', 7);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: INVALID_REQUEST, message: 'too large' }, id: 7 });
  });
});
