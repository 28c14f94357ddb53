import { describe, expect, test } from 'vitest';
import { FAILURE_CODES } from '../../server/failure-codes';
import type { Sent } from './capture';
import { explain, failure, FAILURES, observe } from './failures';

/** An answer as the engine sees it. */
function sent(status: number | null, body = '', headers: Record<string, string> = {}, error?: string): Sent {
  const list = Object.entries(headers);
  return {
    exchange: {
      id: 'page-7', traceId: '', source: 'page', channel: 'api', from: 'client', to: 'as', method: 'POST', url: 'http://lab.test/x',
      status, requestHeaders: [], requestBody: null, responseHeaders: list, responseBody: status === null ? null : body,
      startedAt: 0, endedAt: 1, redacted: [], ...(error && { error }),
    },
    text: body,
    header: (name) => headers[name.toLowerCase()] ?? null,
  };
}
const json = (value: unknown) => JSON.stringify(value);

describe('the catalogue', () => {
  test('every entry teaches: a title, a cause, a fix and a spec link with a section', () => {
    const ids = FAILURES.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of FAILURES) {
      expect(entry.title.length, entry.id).toBeGreaterThan(10);
      expect(entry.cause.length, entry.id).toBeGreaterThan(40);
      expect(entry.fix.length, entry.id).toBeGreaterThan(20);
      expect(entry.spec.href, entry.id).toMatch(/^https:\/\/\S+#\S+$/);
      for (const more of 'seeAlso' in entry ? entry.seeAlso : []) expect(more.href, entry.id).toMatch(/^https:\/\/\S+#\S+$/);
    }
  });

  test('entries pick by status, error and the server’s failure code, never by its words', () => {
    for (const entry of FAILURES) {
      if (!('when' in entry)) continue;
      expect(Object.keys(entry.when).every((key) => ['status', 'error', 'failure'].includes(key)), entry.id).toBe(true);
      expect(Object.values(entry.when).some((value) => value instanceof RegExp), entry.id).toBe(false);
    }
  });

  test('every failure code the server sends has an entry that explains it', () => {
    const explained = FAILURES.flatMap((entry) => ('when' in entry && 'failure' in entry.when ? [entry.when.failure] : []));
    expect([...explained].sort()).toEqual(Object.keys(FAILURE_CODES).sort());
  });

  test('failure() copies the entry and adds what was said', () => {
    expect(failure('popup-blocked', 'blocked', 'page-1')).toEqual({
      id: 'popup-blocked',
      title: 'The browser blocked the sign-in window',
      cause: expect.any(String),
      fix: expect.any(String),
      spec: { label: 'HTML: user activation', href: expect.any(String) },
      serverSaid: 'blocked',
      exchangeId: 'page-1',
    });
  });
});

describe('explain(observe(answer)): what was observed → which entry', () => {
  test.each([
    ['no answer (CORS, offline)', sent(null, '', {}, 'TypeError: Failed to fetch'), 'network', 'TypeError: Failed to fetch'],
    ['a wrong PKCE verifier', sent(400, json({ error: 'invalid_grant', error_description: 'Invalid PKCE code_verifier', failure: 'pkce-verifier-mismatch' })), 'invalid-grant-pkce', undefined],
    ['a replayed code', sent(400, json({ error: 'invalid_grant', error_description: 'Authorization code already used', failure: 'code-replayed' })), 'invalid-grant-replayed', undefined],
    // The words alone explain nothing: only the code tells these apart.
    ['invalid_grant saying "verifier" without a code', sent(400, json({ error: 'invalid_grant', error_description: 'Invalid PKCE code_verifier' })), 'invalid-grant', undefined],
    ['another invalid_grant', sent(400, json({ error: 'invalid_grant', error_description: 'Invalid refresh token' })), 'invalid-grant', undefined],
    ['an unknown client', sent(401, json({ error: 'invalid_client', error_description: 'Client not found' })), 'invalid-client', undefined],
    ['an unknown resource', sent(400, json({ error: 'invalid_target' })), 'invalid-target', undefined],
    ['a foreign Origin', sent(403, json({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin "http://x" is not allowed to call this MCP server.', data: { failure: 'origin-not-allowed' } }, id: null })), 'bad-origin', undefined],
    ['a step-up challenge', sent(403, json({ error: 'insufficient_scope' }), { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mcp:read mcp:write"' }), 'insufficient-scope', undefined],
    ['a refused token (challenge only)', sent(401, '', { 'www-authenticate': 'Bearer realm="OAuth", error="invalid_token"' }), 'invalid-token', 'WWW-Authenticate: Bearer realm="OAuth", error="invalid_token"'],
    ['a server failure', sent(500, 'boom'), 'server-failed', 'boom'],
    ['anything else', sent(502, 'bad gateway'), 'unexpected-response', 'bad gateway'],
    ['an empty 404', sent(404), 'unexpected-response', 'HTTP 404'],
  ])('%s', (_, answer, id, said) => {
    const explained = explain(observe(answer), answer.exchange.id);
    expect(explained.id).toBe(id);
    expect(explained.exchangeId).toBe('page-7');
    expect(explained.serverSaid).toBe(said ?? answer.text);
  });

  test('callback errors are explained the same way', () => {
    expect(explain({ error: 'access_denied', said: 'error=access_denied' })).toMatchObject({ id: 'access-denied', serverSaid: 'error=access_denied' });
    expect(explain({ error: 'invalid_scope' }).id).toBe('invalid-scope');
  });

  // What the Worker sends an MCP client when signing in through a provider went wrong (server/options/provider-sign-in.ts).
  test.each([
    ['Cancel at the provider', 'access_denied', 'provider-cancelled', 'upstream-denied'],
    ['Cancel at a provider that is the authorization server (3b)', 'access_denied', undefined, 'access-denied'],
    ['the provider’s token endpoint failing', 'temporarily_unavailable', undefined, 'upstream-unavailable'],
    ['an ID token that does not verify', 'server_error', 'id-token-rejected', 'id-token-rejected'],
    ['a code the provider refuses', 'server_error', 'provider-refused-code', 'upstream-refused'],
    ['any other provider trouble', 'server_error', undefined, 'server-error'],
  ])('%s', (_, error, failure, id) => {
    expect(explain({ error, failure, said: `error=${error}` }).id).toBe(id);
  });

  test('too many requests from one address: explained from the 429 and the code, with when to try again', () => {
    const body = json({ error: 'temporarily_unavailable', error_description: 'Too many client registrations from this network address. Try again in 60 seconds.', failure: 'rate-limited' });
    const answer = sent(429, body, { 'retry-after': '60' }); // answered at endedAt = 1
    const explained = explain(observe(answer), answer.exchange.id);
    expect(explained).toMatchObject({ id: 'rate-limited', serverSaid: body, retryAt: 1 + 60_000, exchangeId: 'page-7' });
    expect(explained.spec).toEqual({ label: 'RFC 6585 §4', href: 'https://www.rfc-editor.org/rfc/rfc6585#section-4' });
    expect(explained.seeAlso).toEqual([{ label: 'RFC 9110 §10.2.3', href: 'https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3' }]);
    // The same error without the code is the provider trouble it usually means.
    expect(explain(observe(sent(429, json({ error: 'temporarily_unavailable' })))).id).toBe('upstream-unavailable');
  });

  test.each([
    ['seconds after the answer', '120', 1 + 120_000],
    ['an HTTP date', 'Wed, 21 Oct 2026 07:28:00 GMT', Date.UTC(2026, 9, 21, 7, 28)],
    ['nothing readable', 'soon', undefined],
  ])('Retry-After as %s', (_, value, retryAt) => {
    expect(observe(sent(503, '', { 'retry-after': value })).retryAt).toBe(retryAt);
  });

  test('a long answer is cut for display', () => {
    expect(explain(observe(sent(500, 'x'.repeat(5000)))).serverSaid).toHaveLength(601);
  });
});
