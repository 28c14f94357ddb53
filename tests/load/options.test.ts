import { describe, expect, test } from 'vitest';
import { kindOf } from './figures.ts';
import { IDLE_SECONDS_CAP, LEARNER_CAP, learnerAddress, LoadArgumentError, loopbackOrigin, MAX_SECONDS_CAP, optionFor, parseLoadArguments, WAVE_CAP } from './options.ts';

describe('npm run load: what it may be asked', () => {
  test('defaults: 2 waves of 50 mixed learners over Streamable HTTP, its own preview, 300 s at most', () => {
    expect(parseLoadArguments([])).toEqual({ learners: 50, waves: 2, option: 'mixed', transport: 'streamable-http', revision: '2025-11-25', maxSeconds: 300, idleSeconds: 60 });
  });

  test('counts and time are capped, and must be whole numbers', () => {
    expect(parseLoadArguments(['--learners', String(LEARNER_CAP)]).learners).toBe(LEARNER_CAP);
    for (const args of [
      ['--learners', String(LEARNER_CAP + 1)],
      ['--learners', '0'],
      ['--learners', '1e3'],
      ['--learners', '-5'],
      ['--waves', String(WAVE_CAP + 1)],
      ['--max-seconds', String(MAX_SECONDS_CAP + 1)],
      ['--max-seconds', '0'],
      ['--idle-seconds', String(IDLE_SECONDS_CAP + 1)],
    ]) {
      expect(() => parseLoadArguments(args), args.join(' ')).toThrow(LoadArgumentError);
    }
  });

  test('only loopback origins: the three loopback names over http, an origin and nothing more', () => {
    expect(loopbackOrigin('http://localhost:4321')).toBe('http://localhost:4321');
    expect(loopbackOrigin('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(loopbackOrigin('http://[::1]:4321')).toBe('http://[::1]:4321');
    expect(parseLoadArguments(['--origin', 'http://localhost:4321']).origin).toBe('http://localhost:4321');
    for (const origin of [
      'https://mcp-auth-lab.example.workers.dev',
      'http://example.com:4321',
      'http://localhost.example.com:4321', // a name that only starts like loopback
      'http://127.0.0.2:4321', // loopback, but not one of the names the lab runs on
      'http://0.0.0.0:4321',
      'http://10.0.0.1:4321',
      'https://localhost:4321',
      'http://user:pass@localhost:4321',
      'http://localhost:4321/mcp',
      'localhost:4321',
      'not a url',
    ]) {
      expect(() => loopbackOrigin(origin), origin).toThrow(LoadArgumentError);
    }
  });

  test('combinations the lab does not serve are refused before anything starts', () => {
    expect(parseLoadArguments(['--option', 'worker', '--transport', 'sse']).transport).toBe('sse');
    expect(() => parseLoadArguments(['--transport', 'sse'])).toThrow(/no legacy SSE endpoint/); // mixed includes options without one
    expect(() => parseLoadArguments(['--option', 'github', '--transport', 'sse'])).toThrow(/github has no legacy SSE endpoint/);
    expect(() => parseLoadArguments(['--option', 'worker', '--transport', 'sse', '--revision', '2026-07-28'])).toThrow(/no HTTP\+SSE/);
    expect(() => parseLoadArguments(['--option', 'everything'])).toThrow(LoadArgumentError);
    expect(() => parseLoadArguments(['--learner', '5'])).toThrow(LoadArgumentError); // a typo is not ignored
  });

  test('mixed deals the four options out in turn', () => {
    expect(Array.from({ length: 8 }, (_, i) => optionFor('mixed', i))).toEqual(['worker', 'github', 'oidc-proxy', 'oidc-external', 'worker', 'github', 'oidc-proxy', 'oidc-external']);
    expect(optionFor('github', 7)).toBe('github');
  });
});

describe('each learner is its own client', () => {
  test('a distinct documentation address per learner, IPv4 and IPv6 (each in its own /48)', () => {
    const total = LEARNER_CAP * WAVE_CAP + 4; // every learner of the largest run, warm-up included
    const addresses = Array.from({ length: total }, (_, i) => learnerAddress(i));
    expect(new Set(addresses).size).toBe(total);
    const documentation = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$|^2001:db8:[0-9a-f]{1,4}::1$/;
    for (const address of addresses) expect(address).toMatch(documentation);
    expect(addresses.slice(0, 5)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '2001:db8:5::1']);
    const prefixes48 = addresses.filter((address) => address.includes(':')).map((address) => address.split('::')[0]);
    expect(new Set(prefixes48).size).toBe(prefixes48.length);
  });
});

describe('kinds of request', () => {
  test.each([
    ['GET', '/.well-known/oauth-protected-resource/mcp', 'discovery'],
    ['GET', '/.well-known/oauth-authorization-server/simulated/oidc', 'discovery'],
    ['POST', '/oauth/register', 'registration'],
    ['POST', '/simulated/oidc/register', 'registration'],
    ['GET', '/authorize', 'authorize pages'],
    ['POST', '/authorize/sign-in', 'authorize pages'],
    ['GET', '/simulated/github/login/oauth/authorize', 'authorize pages'],
    ['GET', '/lab/callback', 'authorize pages'],
    ['POST', '/oauth/token', 'token'],
    ['POST', '/simulated/oidc/token', 'token'],
    ['POST', '/mcp', 'mcp'],
    ['POST', '/external/mcp', 'mcp'],
    ['GET', '/sse', 'mcp'],
    ['POST', '/sse/message', 'mcp'],
    ['POST', '/lab/traces', 'trace'],
    ['GET', '/lab/traces/abc/events', 'trace'],
    ['GET', '/lab/client', 'other'],
  ] as const)('%s %s is %s', (method, path, kind) => {
    expect(kindOf(method, path)).toBe(kind);
  });
});
