import { beforeAll, describe, expect, it } from 'vitest';
import { authorize } from './support/oauth-client';
import { callWorker, SSE_RESOURCE } from './support/worker';

// Never a 500: hostile or sloppy requests to every route get a 4xx (or a harmless 2xx), and no
// error answer leaks a stack trace or a file path.

interface BadRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Which token to send, when the request should get past authentication. */
  token?: 'mcp' | 'sse';
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
const huge = (size: number) => 'x'.repeat(size);

const cases: Record<string, BadRequest> = {
  // wrong methods
  'PUT /authorize': { path: '/authorize', method: 'PUT' },
  'DELETE /authorize/sign-in': { path: '/authorize/sign-in', method: 'DELETE' },
  'GET /authorize/sign-in': { path: '/authorize/sign-in' },
  'GET /authorize/sign-out': { path: '/authorize/sign-out' },
  'GET /oauth/token': { path: '/oauth/token' },
  'PUT /oauth/token': { path: '/oauth/token', method: 'PUT', body: 'x' },
  'GET /oauth/register': { path: '/oauth/register' },
  'DELETE /oauth/register': { path: '/oauth/register', method: 'DELETE' },
  'POST /.well-known/oauth-authorization-server': { path: '/.well-known/oauth-authorization-server', method: 'POST', body: '{}' },
  'POST /.well-known/oauth-protected-resource/mcp': { path: '/.well-known/oauth-protected-resource/mcp', method: 'POST', body: '{}' },
  'GET /mcp with a token': { path: '/mcp', token: 'mcp', headers: { accept: 'text/event-stream' } },
  'DELETE /mcp with a token': { path: '/mcp', method: 'DELETE', token: 'mcp' },
  'PUT /mcp with a token': { path: '/mcp', method: 'PUT', token: 'mcp', body: '{}' },
  'PUT /sse with a token': { path: '/sse', method: 'PUT', token: 'sse', body: '{}' },
  'DELETE /sse with a token': { path: '/sse', method: 'DELETE', token: 'sse' },
  'GET /sse/message with a token': { path: '/sse/message?sessionId=x', token: 'sse' },
  'OPTIONS /mcp from a foreign origin': { path: '/mcp', method: 'OPTIONS', headers: { origin: 'https://evil.example' } },

  // bad content types and bodies
  'token request as JSON': { path: '/oauth/token', method: 'POST', headers: JSON_TYPE, body: '{"grant_type":"authorization_code"}' },
  'token request as text/plain': { path: '/oauth/token', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=refresh_token' },
  'token request without a content type': { path: '/oauth/token', method: 'POST', body: 'grant_type=refresh_token&refresh_token=x' },
  'token request as multipart': {
    path: '/oauth/token',
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=zz' },
    body: '--zz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--zz--',
  },
  'registration as a form': { path: '/oauth/register', method: 'POST', headers: FORM, body: 'client_name=x&redirect_uris=https://a.example/cb' },
  'registration with truncated JSON': { path: '/oauth/register', method: 'POST', headers: JSON_TYPE, body: '{"redirect_uris": ["https://a.' },
  'registration with wrongly typed fields': {
    path: '/oauth/register',
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ redirect_uris: 'https://a.example/cb', client_name: { nested: true }, grant_types: 7 }),
  },
  'consent decision as JSON': { path: '/authorize', method: 'POST', headers: JSON_TYPE, body: '{"handle":"x","decision":"approve"}' },
  'sign-in as JSON': { path: '/authorize/sign-in', method: 'POST', headers: JSON_TYPE, body: '{"username":"x"}' },
  'MCP POST as text/plain': { path: '/mcp', method: 'POST', token: 'mcp', headers: { 'content-type': 'text/plain' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
  'MCP POST accepting only HTML': {
    path: '/mcp',
    method: 'POST',
    token: 'mcp',
    headers: { ...JSON_TYPE, accept: 'text/html' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  },
  'MCP POST with a JSON-RPC response instead of a request': {
    path: '/mcp',
    method: 'POST',
    token: 'mcp',
    headers: { ...JSON_TYPE, accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"result":{}}',
  },
  'MCP POST with null params': {
    path: '/mcp',
    method: 'POST',
    token: 'mcp',
    headers: { ...JSON_TYPE, accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}',
  },
  'MCP POST with a JSON string': { path: '/mcp', method: 'POST', token: 'mcp', headers: JSON_TYPE, body: '"hello"' },
  'MCP POST with a batch of numbers': { path: '/mcp', method: 'POST', token: 'mcp', headers: JSON_TYPE, body: '[1,2,3]' },

  // truncated or malformed forms
  'consent form with bad percent-encoding': { path: '/authorize', method: 'POST', headers: FORM, body: 'handle=%&decision=%E0%A4%A' },
  'sign-in form cut short': { path: '/authorize/sign-in', method: 'POST', headers: FORM, body: 'csrf=abc&continue=%2Fauthori' },
  'token form cut short': { path: '/oauth/token', method: 'POST', headers: FORM, body: 'grant_type=authorization_code&code=%ZZ&code_verif' },
  'revocation of a token with separators': { path: '/oauth/token', method: 'POST', headers: FORM, body: 'token=a:b:c:d:e&client_id=x' },
  'authorize with repeated parameters': { path: '/authorize?client_id=a&client_id=b&redirect_uri=x&redirect_uri=y&response_type=code' },
  'authorize with a non-URL redirect': { path: '/authorize?client_id=a&redirect_uri=%00%01&response_type=code' },

  // oversized input
  'OAuth body over 64 KiB': { path: '/oauth/token', method: 'POST', headers: FORM, body: `grant_type=x&pad=${huge(70 * 1024)}` },
  'consent form over 16 KiB': { path: '/authorize', method: 'POST', headers: FORM, body: `handle=${huge(20 * 1024)}` },
  'a 16 KB cookie': { path: '/authorize?client_id=x', headers: { cookie: `__Host-session=${huge(16 * 1024)}` } },
  'a forged session cookie': { path: '/authorize?client_id=x', headers: { cookie: '__Host-session=eyJ1IjoiYWRtaW4ifQ.AAAA' } },
  'a session cookie that is not base64': { path: '/authorize?client_id=x', headers: { cookie: '__Host-session=%%%.***' } },
  'an 8 KB bearer token': { path: '/mcp', method: 'POST', headers: { authorization: `Bearer ${huge(8 * 1024)}`, ...JSON_TYPE }, body: '{}' },
  'a bearer token with separators only': { path: '/mcp', method: 'POST', headers: { authorization: 'Bearer ::::', ...JSON_TYPE }, body: '{}' },
  'an 8 KB query string': { path: `/authorize?state=${huge(8 * 1024)}&response_type=code` },
  // KV keys are at most 512 bytes: a client_id longer than that must not reach a KV lookup raw.
  'an 8 KB client_id at /authorize': { path: `/authorize?client_id=${huge(8 * 1024)}&response_type=code` },
  'a 600-byte client_id at /authorize': { path: `/authorize?client_id=${huge(600)}&response_type=code&redirect_uri=http://127.0.0.1/cb` },
  'an 8 KB client_id at the token endpoint': {
    path: '/oauth/token',
    method: 'POST',
    headers: FORM,
    body: `grant_type=authorization_code&code=a:b:c&code_verifier=${huge(43)}&client_id=${huge(8 * 1024)}`,
  },
  'an 8 KB client_id in revocation': { path: '/oauth/token', method: 'POST', headers: FORM, body: `token=x&client_id=${huge(8 * 1024)}` },
  'an 8 KB client_id in Basic auth': {
    path: '/oauth/token',
    method: 'POST',
    headers: { ...FORM, authorization: `Basic ${btoa(`${huge(8 * 1024)}:secret`)}` },
    body: 'grant_type=refresh_token&refresh_token=a:b:c',
  },
  'a code with an 8 KB user part': {
    path: '/oauth/token',
    method: 'POST',
    headers: FORM,
    body: `grant_type=authorization_code&code=${huge(8 * 1024)}:grant:secret&code_verifier=${huge(43)}&client_id=x`,
  },
  'a refresh token with an 8 KB user part': { path: '/oauth/token', method: 'POST', headers: FORM, body: `grant_type=refresh_token&refresh_token=${huge(8 * 1024)}:g:s&client_id=x` },
  'a bearer token with an 8 KB user part': {
    path: '/mcp',
    method: 'POST',
    headers: { authorization: `Bearer ${huge(8 * 1024)}:grant:secret`, ...JSON_TYPE },
    body: '{}',
  },

  // unknown paths under the server's routes
  'GET /oauth': { path: '/oauth' },
  'GET /oauth/unknown': { path: '/oauth/unknown' },
  'POST /oauth/token/extra': { path: '/oauth/token/extra', method: 'POST', headers: FORM, body: 'grant_type=x' },
  'GET /authorize/unknown': { path: '/authorize/unknown' },
  'POST /authorize/sign-in/extra': { path: '/authorize/sign-in/extra', method: 'POST', headers: FORM, body: 'x=1' },
  'GET /mcp/anything with a token': { path: '/mcp/anything', token: 'mcp' },
  'POST /mcp/anything with a token': { path: '/mcp/anything', method: 'POST', token: 'mcp', headers: JSON_TYPE, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
  'GET /sse/other with a token': { path: '/sse/other', token: 'sse' },
  'POST /sse/message/extra with a token': { path: '/sse/message/extra?sessionId=x', method: 'POST', token: 'sse', headers: JSON_TYPE, body: '{}' },
  'GET /.well-known/oauth-protected-resource/other': { path: '/.well-known/oauth-protected-resource/other' },
  'GET /.well-known/oauth-protected-resource': { path: '/.well-known/oauth-protected-resource' },
};

/** What a stack trace or an internal path looks like in a body. */
const LEAKS = [/\n\s+at /, /node_modules/, /\.ts:\d+/, /\.js:\d+/, /TypeError|ReferenceError|SyntaxError/];

describe('every route answers bad input without a 500', () => {
  const tokens: Partial<Record<'mcp' | 'sse', string>> = {};
  beforeAll(async () => {
    tokens.mcp = (await authorize({ userName: 'fuzz' })).tokens.access_token;
    tokens.sse = (await authorize({ userName: 'fuzz', resource: SSE_RESOURCE })).tokens.access_token;
  });

  it.each(Object.entries(cases))('%s', async (_label, { path, method = 'GET', headers = {}, body, token }) => {
    const response = await callWorker(path, {
      method,
      headers: { ...headers, ...(token && { authorization: `Bearer ${tokens[token]}` }) },
      ...(body !== undefined && { body }),
    });
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(500);
    const text = await response.text();
    for (const leak of LEAKS) expect(text).not.toMatch(leak);
  });
});
