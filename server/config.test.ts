import { describe, expect, it } from 'vitest';
import { allowedBrowserOrigins, ConfigurationError, isLoopbackHost, MisdirectedRequestError, serverSecret, publicOrigin } from './config';
import type { ServerEnv } from './env';

const env = (vars: Partial<ServerEnv> = {}) => vars as ServerEnv;
const request = (url = 'https://request.example/mcp') => new Request(url);
const LONG_SECRET = 's'.repeat(32);

describe('publicOrigin', () => {
  it('is the request’s own origin when PUBLIC_ORIGIN is empty or unset', () => {
    expect(publicOrigin(env(), request('https://mcp.example:8443/authorize?x=1'))).toBe('https://mcp.example:8443');
    expect(publicOrigin(env({ PUBLIC_ORIGIN: '' }), request())).toBe('https://request.example');
    expect(publicOrigin(env({ PUBLIC_ORIGIN: '   ' }), request())).toBe('https://request.example');
  });

  it.each(['http://localhost:4321/mcp', 'http://127.0.0.1:8787/mcp', 'http://[::1]:8787/mcp'])('answers plain http at a loopback name (%s)', (url) => {
    expect(publicOrigin(env(), request(url))).toBe(new URL(url).origin);
  });

  it.each(['http://rebound.attacker.example:4321/mcp', 'http://192.168.1.20:4321/mcp'])(
    'refuses plain http at any other name (%s): a DNS-rebinding page or an unconfigured LAN address',
    (url) => {
      expect(() => publicOrigin(env(), request(url))).toThrow(MisdirectedRequestError);
      // Configured, the name no longer matters: the configured origin is the one spoken for.
      expect(publicOrigin(env({ PUBLIC_ORIGIN: 'http://localhost:4321' }), request(url))).toBe('http://localhost:4321');
    },
  );

  it.each([
    ['https://mcp.example', 'https://mcp.example'],
    ['https://mcp.example/', 'https://mcp.example'],
    ['  https://mcp.example  ', 'https://mcp.example'],
    ['http://localhost:8787', 'http://localhost:8787'],
  ])('uses the configured %j over the request’s origin', (configured, expected) => {
    expect(publicOrigin(env({ PUBLIC_ORIGIN: configured }), request())).toBe(expected);
  });

  it.each([
    ['not a URL', 'mcp.example'],
    ['a path', 'https://mcp.example/mcp'],
    ['a query', 'https://mcp.example?x=1'],
    ['an explicit default port', 'https://mcp.example:443'],
    ['upper case', 'https://MCP.example'],
    ['credentials', 'https://user@mcp.example'],
  ])('refuses %s with a ConfigurationError', (_label, configured) => {
    expect(() => publicOrigin(env({ PUBLIC_ORIGIN: configured }), request())).toThrow(ConfigurationError);
  });
});

describe('serverSecret', () => {
  it('returns a configured secret of 32 characters or more', () => {
    expect(serverSecret(env({ SERVER_SECRET: LONG_SECRET }), 'https://mcp.example')).toBe(LONG_SECRET);
  });

  it('refuses a configured secret shorter than 32 characters, even on loopback', () => {
    expect(() => serverSecret(env({ SERVER_SECRET: 's'.repeat(31) }), 'https://mcp.example')).toThrow(ConfigurationError);
    expect(() => serverSecret(env({ SERVER_SECRET: 'short' }), 'http://localhost:4321')).toThrow(ConfigurationError);
  });

  it.each(['http://localhost:4321', 'http://127.0.0.1:8787', 'http://127.1.2.3', 'http://[::1]:8787'])(
    'falls back to a development secret without SERVER_SECRET on loopback (%s)',
    (origin) => {
      const secret = serverSecret(env(), origin);
      expect(secret.length).toBeGreaterThanOrEqual(32);
    },
  );

  it.each(['https://mcp.example', 'https://mcp-auth-mcp.example.workers.dev', 'http://192.168.1.10:8787', 'https://localhost.evil.example', 'http://127.0.0.1.evil.example'])(
    'throws a ConfigurationError without SERVER_SECRET on a non-loopback origin (%s)',
    (origin) => {
      expect(() => serverSecret(env(), origin)).toThrow(ConfigurationError);
      expect(() => serverSecret(env({ SERVER_SECRET: '' }), origin)).toThrow(ConfigurationError);
    },
  );
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['localhost.example', false],
    ['127.0.0.1.example', false],
    ['128.0.0.1', false],
    ['0.0.0.0', false],
    ['::1', false], // URL.hostname keeps the brackets, so the bare form never reaches here
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('allowedBrowserOrigins', () => {
  it('is the server’s own origin alone by default', () => {
    expect([...allowedBrowserOrigins(env(), 'https://mcp.example')]).toEqual(['https://mcp.example']);
  });

  it('adds ALLOWED_ORIGINS, trimmed, without trailing slashes or empty entries', () => {
    const allowed = allowedBrowserOrigins(env({ ALLOWED_ORIGINS: ' https://a.example/, ,https://b.example:8443 ,' }), 'https://mcp.example');
    expect([...allowed].sort()).toEqual(['https://a.example', 'https://b.example:8443', 'https://mcp.example']);
  });
});
