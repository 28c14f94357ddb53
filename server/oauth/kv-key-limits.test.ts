import { describe, expect, it } from 'vitest';
import { fitsKvLookup, MAX_LOOKUP_BYTES, tokenRequestClientIds } from './kv-key-limits';

describe('fitsKvLookup', () => {
  it.each([
    ['nothing', null, true],
    ['an empty value', '', true],
    ['a DCR client id', 'HEo7rg_p59DTBsio', true],
    ['a token', 'ada:AYGALJSw-vwRdoSS:xjwkTSfhsa07lDzAwcPiHtYdh_XpvOvG', true],
    ['exactly the limit', 'x'.repeat(MAX_LOOKUP_BYTES), true],
    ['one byte over', 'x'.repeat(MAX_LOOKUP_BYTES + 1), false],
    ['few characters but many bytes', '€'.repeat(MAX_LOOKUP_BYTES / 2), false],
  ])('%s → %s', (_label, value, fits) => {
    expect(fitsKvLookup(value)).toBe(fits);
  });

  it('leaves room for the longest key the library builds around a value', () => {
    expect(MAX_LOOKUP_BYTES + 'token:'.length + ':'.length + 64).toBeLessThanOrEqual(512);
  });
});

describe('tokenRequestClientIds', () => {
  const tokenRequest = (body: string, headers: Record<string, string> = {}) =>
    new Request('https://mcp.example/oauth/token', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

  it('finds client_id in the form, and leaves the body readable', async () => {
    const request = tokenRequest('grant_type=refresh_token&client_id=abc&refresh_token=x');
    expect(await tokenRequestClientIds(request)).toEqual(['abc']);
    expect(await request.text()).toContain('client_id=abc');
  });

  it('finds the user of Basic credentials', async () => {
    expect(await tokenRequestClientIds(tokenRequest('grant_type=x', { authorization: `Basic ${btoa('client-1:secret')}` }))).toEqual(['client-1']);
  });

  it('finds both, and every repeated client_id', async () => {
    const request = tokenRequest('client_id=a&client_id=b', { authorization: `Basic ${btoa('c:s')}` });
    expect(await tokenRequestClientIds(request)).toEqual(['a', 'b', 'c']);
  });

  it('ignores bodies that are not forms, and Basic credentials that are not base64', async () => {
    const json = new Request('https://mcp.example/oauth/register', { method: 'POST', body: '{"client_id":"x"}', headers: { 'content-type': 'application/json' } });
    expect(await tokenRequestClientIds(json)).toEqual([]);
    expect(await tokenRequestClientIds(tokenRequest('', { authorization: 'Basic ***' }))).toEqual([]);
  });
});
