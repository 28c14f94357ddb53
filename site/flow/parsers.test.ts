import { describe, expect, test } from 'vitest';
import { parseBearerChallenge } from './challenge';
import { parseSse, SseParser } from './sse';

describe('parseBearerChallenge', () => {
  test('the lab 401: resource_metadata and scope', () => {
    expect(parseBearerChallenge('Bearer realm="OAuth", resource_metadata="http://lab.test/.well-known/oauth-protected-resource/mcp", scope="mcp:read"')).toEqual({
      resourceMetadata: 'http://lab.test/.well-known/oauth-protected-resource/mcp',
      scope: ['mcp:read'],
      error: undefined,
      errorDescription: undefined,
    });
  });

  test('a step-up 403: error, every scope, a description with commas and escaped quotes', () => {
    expect(parseBearerChallenge('Bearer error="insufficient_scope", scope="mcp:read mcp:write", error_description="Needs \\"write\\", sorry"')).toMatchObject({
      error: 'insufficient_scope',
      scope: ['mcp:read', 'mcp:write'],
      errorDescription: 'Needs "write", sorry',
    });
  });

  test('another scheme first, tokens without quotes, and no Bearer at all', () => {
    expect(parseBearerChallenge('Basic realm="x", Bearer error=invalid_token, scope="a"')).toMatchObject({ error: 'invalid_token', scope: ['a'] });
    expect(parseBearerChallenge('Bearer realm="a", DPoP algs="ES256"')?.error).toBeUndefined();
    expect(parseBearerChallenge('Basic realm="x"')).toBeNull();
    expect(parseBearerChallenge(null)).toBeNull();
  });
});

describe('SSE framing', () => {
  test('events split across chunks, multi-line data, comments, ids, CRLF', () => {
    const parser = new SseParser();
    expect(parser.push('event: endpoint\r\ndata: /sse/message?sessionId=1\r\n')).toEqual([]);
    expect(parser.push('\r\n: keep-alive\n\nid: 7\ndata: {"a":\ndata: 1}\n\n')).toEqual([
      { event: 'endpoint', data: '/sse/message?sessionId=1' },
      { event: 'message', data: '{"a":\n1}', id: '7' },
    ]);
  });

  test('a whole Streamable HTTP answer', () => {
    expect(parseSse('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n')).toEqual([{ event: 'message', data: '{"jsonrpc":"2.0","id":1,"result":{}}' }]);
  });
});
