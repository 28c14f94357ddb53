import { describe, expect, it } from 'vitest';
import { flatten, maskSecret } from './mask-secrets';

describe('maskSecret', () => {
  it.each([
    ['gho_' + 'x'.repeat(36), 'gho_'],
    ['eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJ'],
    ['A'.repeat(32), 'AAAA'],
    ['short-secret', ''],
  ])('%s', (value, prefix) => {
    const masked = maskSecret(value);
    expect(masked).toEqual({ text: `${prefix}…(${value.length} chars)`, prefix, length: value.length });
    expect(masked.text).not.toContain(value.slice(prefix.length || 0, (prefix.length || 0) + 5));
  });
});

describe('flatten', () => {
  it('leaves by dotted path; secrets masked by name (sticky below it) or by shape', () => {
    const fields = flatten({
      userName: 'mona',
      github: { login: 'mona', accessToken: 'gho_abcdefghijklmnopqrstuvwxyz0123456789' },
      oidc: { claims: { email: 'a@b.example', email_verified: true, auth_time: 5 }, tokens: { access: 'opaque-value-of-some-length' } },
      sneaky: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      list: ['a', null],
      empty: {},
    });
    expect(fields).toEqual([
      { path: 'userName', value: 'mona' },
      { path: 'github.login', value: 'mona' },
      { path: 'github.accessToken', secret: { text: 'gho_…(40 chars)', prefix: 'gho_', length: 40 } },
      { path: 'oidc.claims.email', value: 'a@b.example' },
      { path: 'oidc.claims.email_verified', value: true },
      { path: 'oidc.claims.auth_time', value: 5 },
      { path: 'oidc.tokens.access', secret: { text: 'opaq…(27 chars)', prefix: 'opaq', length: 27 } },
      { path: 'sneaky', secret: { text: 'eyJ…(36 chars)', prefix: 'eyJ', length: 36 } },
      { path: 'list[0]', value: 'a' },
      { path: 'list[1]', value: null },
      { path: 'empty', value: '{}' },
    ]);
    expect(JSON.stringify(fields)).not.toContain('abcdefghij');
  });
});
