import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../server/lab/exchange';
import { describeRedaction, maskedForDisplay, splitRedactions } from './mask';

const exchange = (overrides: Partial<CapturedExchange>): CapturedExchange => ({
  id: 'page-1',
  traceId: 't',
  source: 'page',
  channel: 'api',
  from: 'client',
  to: 'as',
  method: 'POST',
  url: 'https://lab.example.com/oauth/token',
  status: 200,
  requestHeaders: [['Content-Type', 'application/x-www-form-urlencoded']],
  requestBody: 'grant_type=authorization_code&code=abc123&code_verifier=verifier-value',
  responseHeaders: [['Content-Type', 'application/json']],
  responseBody: '{"access_token":"u:g:secret","token_type":"bearer"}',
  startedAt: 0,
  endedAt: 1,
  redacted: [],
  ...overrides,
});

describe('maskedForDisplay', () => {
  it('masks the page’s own secrets with the Worker’s rules and says where', () => {
    const { exchange: view, masked } = maskedForDisplay(exchange({}));
    expect(view.requestBody).toBe('grant_type=authorization_code&code=[redacted code, 6 chars]&code_verifier=[redacted code_verifier, 14 chars]');
    expect(view.responseBody).toBe('{"access_token":"[redacted access_token, 10 chars]","token_type":"bearer"}');
    expect(masked.sort()).toEqual(['body.code', 'body.code_verifier', 'response.access_token']);
  });

  it('leaves what the Worker sent as it came: it is redacted already', () => {
    const fromWorker = exchange({ source: 'worker', requestBody: 'code=[redacted code, 6 chars]', redacted: ['body.code'] });
    expect(maskedForDisplay(fromWorker)).toEqual({ exchange: fromWorker, masked: [] });
  });
});

describe('splitRedactions', () => {
  it('splits text around each marker', () => {
    expect(splitRedactions('code=[redacted code, 6 chars]&state=xyz')).toEqual([{ text: 'code=' }, { redacted: 'code', length: 6 }, { text: '&state=xyz' }]);
    expect(splitRedactions('plain')).toEqual([{ text: 'plain' }]);
  });
});

describe('describeRedaction', () => {
  it('names the place in plain words', () => {
    expect(describeRedaction('query.code')).toBe('the code parameter in the URL');
    expect(describeRedaction('header.set-cookie')).toBe("the set-cookie header's value");
  });
});
