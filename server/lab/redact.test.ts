import { describe, expect, it } from 'vitest';
import { redactBody, redactExchange, redactHeaders, redactUrl } from './redact';

const CODE = 'SplxlOBeZQQYbYS6WxSbIA';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe('URLs', () => {
  it('replaces the code and keeps state, iss and the rest verbatim', () => {
    const { value, redacted } = redactUrl(`https://app.example/cb?code=${CODE}&state=xyz&iss=https%3A%2F%2Flab.example`);
    expect(value).toBe(`https://app.example/cb?code=[redacted code, ${CODE.length} chars]&state=xyz&iss=https%3A%2F%2Flab.example`);
    expect(redacted).toEqual(['query.code']);
  });

  it('measures the decoded value and finds percent-encoded names', () => {
    const { value, redacted } = redactUrl('/cb?%63ode=a%2Bb');
    expect(value).toBe('/cb?%63ode=[redacted code, 3 chars]');
    expect(redacted).toEqual(['query.code']);
  });

  it('replaces tokens in a fragment (implicit-style responses)', () => {
    const { value, redacted } = redactUrl('https://app.example/cb#access_token=abc&token_type=Bearer');
    expect(value).toBe('https://app.example/cb#access_token=[redacted access_token, 3 chars]&token_type=Bearer');
    expect(redacted).toEqual(['query.fragment.access_token']);
  });

  it('leaves a URL without secrets, or without a query, unchanged', () => {
    for (const url of ['https://lab.example/authorize?client_id=a&state=s&code_challenge=c', 'https://lab.example/', '/x?flag&=odd']) {
      expect(redactUrl(url)).toEqual({ value: url, redacted: [] });
    }
  });
});

describe('headers', () => {
  it('keeps the authorization scheme, hides the credential', () => {
    const { value, redacted } = redactHeaders([['Authorization', 'Bearer abc.def.ghi']]);
    expect(value).toEqual([['Authorization', 'Bearer [redacted authorization, 11 chars]']]);
    expect(redacted).toEqual(['header.authorization']);
  });

  it('keeps cookie names and Set-Cookie attributes, hides every value', () => {
    const { value, redacted } = redactHeaders([
      ['cookie', '__Host-session=eyJ1.sig; __Host-lab-trace=abc.mac'],
      ['set-cookie', '__Host-sign-in-form=tok123; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=600'],
    ]);
    expect(value).toEqual([
      ['cookie', '__Host-session=[redacted cookie, 8 chars]; __Host-lab-trace=[redacted cookie, 7 chars]'],
      ['set-cookie', '__Host-sign-in-form=[redacted cookie, 6 chars]; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=600'],
    ]);
    expect(redacted).toEqual(['header.cookie', 'header.set-cookie']);
  });

  it("redacts the Location header's query like a URL", () => {
    const { value, redacted } = redactHeaders([['Location', `https://lab.example/lab/callback?code=${CODE}&state=s1`]]);
    expect(value[0][1]).toBe(`https://lab.example/lab/callback?code=[redacted code, ${CODE.length} chars]&state=s1`);
    expect(redacted).toEqual(['location.code']);
  });

  it('leaves other headers alone', () => {
    const headers: [string, string][] = [['content-type', 'text/html'], ['www-authenticate', 'Bearer resource_metadata="x"']];
    expect(redactHeaders(headers)).toEqual({ value: headers, redacted: [] });
  });
});

describe('bodies', () => {
  it('a token request form: code and verifier hidden, grant type and client id kept', () => {
    const form = `grant_type=authorization_code&code=${CODE}&code_verifier=${VERIFIER}&client_id=abc&redirect_uri=https%3A%2F%2Fx`;
    const { value, redacted } = redactBody(form, 'application/x-www-form-urlencoded;charset=UTF-8', 'body');
    expect(value).toBe(
      `grant_type=authorization_code&code=[redacted code, ${CODE.length} chars]&code_verifier=[redacted code_verifier, 43 chars]&client_id=abc&redirect_uri=https%3A%2F%2Fx`,
    );
    expect(redacted).toEqual(['body.code', 'body.code_verifier']);
  });

  it('a token response: every token hidden at any depth, formatting kept', () => {
    const json = '{\n  "access_token": "at-1",\n  "token_type": "bearer",\n  "nested": {"refresh_token":"r\\"t"},\n  "scope": "mcp:read"\n}';
    const { value, redacted } = redactBody(json, 'application/json', 'response');
    expect(value).toBe(
      '{\n  "access_token": "[redacted access_token, 4 chars]",\n  "token_type": "bearer",\n  "nested": {"refresh_token":"[redacted refresh_token, 4 chars]"},\n  "scope": "mcp:read"\n}',
    );
    expect(redacted).toEqual(['response.access_token', 'response.refresh_token']);
  });

  it('JSON cut short by the size limit is still redacted', () => {
    const { value } = redactBody('{"id_token":"eyJhbGciOi","claims":{"sub":"a', 'application/json', 'response');
    expect(value).toBe('{"id_token":"[redacted id_token, 10 chars]","claims":{"sub":"a');
  });

  it("HTML: the consent form's handle and the sign-in csrf are hidden, other fields kept", () => {
    const html =
      '<form><input type="hidden" name="handle" value="h-123"><input type=\'hidden\' name=\'csrf\' value=\'c-4567\'>' +
      '<input type="hidden" name="continue" value="/authorize?client_id=a&amp;state=s"><input name="scope" value="mcp:read"></form>';
    const { value, redacted } = redactBody(html, 'text/html; charset=utf-8', 'response');
    expect(value).toContain('name="handle" value="[redacted handle, 5 chars]"');
    expect(value).toContain("name='csrf' value='[redacted csrf, 6 chars]'");
    expect(value).toContain('name="continue" value="/authorize?client_id=a&amp;state=s"');
    expect(value).toContain('name="scope" value="mcp:read"');
    expect(value).not.toMatch(/h-123|c-4567/);
    expect(redacted).toEqual(['response.handle', 'response.csrf']);
  });

  it('a body without secrets comes back as it was', () => {
    expect(redactBody('{"client_id":"x","state":"s"}', 'application/json', 'response')).toEqual({ value: '{"client_id":"x","state":"s"}', redacted: [] });
    expect(redactBody(null, null, 'body')).toEqual({ value: null, redacted: [] });
  });
});

describe('a whole exchange', () => {
  it('lists each redaction once, in the order found', () => {
    const { value, redacted } = redactExchange({
      url: `https://lab.example/lab/callback?code=${CODE}&state=s`,
      requestHeaders: [['cookie', 'a=1'], ['content-type', 'application/x-www-form-urlencoded']],
      requestBody: 'code=x',
      responseHeaders: [['content-type', 'application/json'], ['set-cookie', 'b=2; Path=/']],
      responseBody: '{"access_token":"t"}',
    });
    expect(redacted).toEqual(['query.code', 'header.cookie', 'body.code', 'header.set-cookie', 'response.access_token']);
    expect(JSON.stringify(value)).not.toMatch(new RegExp(`${CODE}|"t"|=1|=2`));
  });
});
