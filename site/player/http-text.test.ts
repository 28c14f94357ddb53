import { describe, expect, it } from 'vitest';
import { readableBody, requestHead, responseHead } from './http-text';

describe('requestHead and responseHead', () => {
  it('writes the start line, Host and the headers as they were captured', () => {
    expect(
      requestHead({ method: 'POST', url: 'https://lab.example.com/oauth/token?x=1', requestHeaders: [['Content-Type', 'application/x-www-form-urlencoded']] }),
    ).toBe('POST /oauth/token?x=1 HTTP/1.1\nHost: lab.example.com\nContent-Type: application/x-www-form-urlencoded');
    expect(responseHead({ status: 401, responseHeaders: [['www-authenticate', 'Bearer resource_metadata="…"']] })).toBe(
      'HTTP/1.1 401 Unauthorized\nwww-authenticate: Bearer resource_metadata="…"',
    );
  });

  it('keeps the path and query as captured, redaction markers included', () => {
    const url = 'https://lab.example.com/lab/callback?code=[redacted code, 43 chars]&state=abc';
    expect(requestHead({ method: 'GET', url, requestHeaders: [] })).toBe('GET /lab/callback?code=[redacted code, 43 chars]&state=abc HTTP/1.1\nHost: lab.example.com');
  });

  it('says why there is no response', () => {
    expect(responseHead({ status: null, responseHeaders: [], error: 'TypeError: Failed to fetch' })).toBe('(no response: TypeError: Failed to fetch)');
  });
});

describe('readableBody', () => {
  it('indents JSON, keeping short arrays on one line', () => {
    expect(readableBody('{"scopes":["mcp:read","mcp:write"]}', 'application/json')).toMatchObject({
      kind: 'json',
      text: '{\n  "scopes": ["mcp:read", "mcp:write"]\n}',
      json: { scopes: ['mcp:read', 'mcp:write'] },
    });
  });

  it('decodes a form one pair a line', () => {
    expect(readableBody('grant_type=authorization_code&redirect_uri=https%3A%2F%2Fa.example%2Fcb&scope=mcp%3Aread+mcp%3Awrite', 'application/x-www-form-urlencoded; charset=utf-8')?.text).toBe(
      'grant_type = authorization_code\nredirect_uri = https://a.example/cb\nscope = mcp:read mcp:write',
    );
  });

  it('reads an event stream as its events', () => {
    const body = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';
    expect(readableBody(body, 'text/event-stream')).toMatchObject({ kind: 'event-stream', text: 'event: message\n{\n  "jsonrpc": "2.0",\n  "id": 1,\n  "result": {}\n}', json: [{ jsonrpc: '2.0', id: 1, result: {} }] });
  });

  it('keeps text that is not what its type claims as text', () => {
    expect(readableBody('{"cut short', 'application/json')).toEqual({ kind: 'text', text: '{"cut short' });
    expect(readableBody('', 'application/json')).toBeNull();
  });
});
