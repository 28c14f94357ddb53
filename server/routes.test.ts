import { describe, expect, it } from 'vitest';
import { AUTH_OPTIONS } from './catalogue';
import { routeOf, routeTable, type Route } from './routes';

const simulated = [
  { id: 'github', paths: { base: '/simulated/github', aliases: [] } },
  { id: 'oidc', paths: { base: '/simulated/oidc', aliases: ['/.well-known/oauth-authorization-server/simulated/oidc'] } },
] as const;
const all = routeTable(Object.values(AUTH_OPTIONS).map((entry) => ({ entry })), simulated);

describe('routeOf, every option and both simulated providers', () => {
  it.each<[string, Route | null]>([
    ['/mcp', { kind: 'mcp-endpoint', path: '/mcp', option: 'worker' }],
    ['/sse', { kind: 'mcp-endpoint', path: '/sse', option: 'worker' }],
    ['/sse/message', { kind: 'mcp-endpoint', path: '/sse', option: 'worker' }],
    ['/github/mcp', { kind: 'mcp-endpoint', path: '/github/mcp', option: 'github' }],
    ['/oidc/mcp', { kind: 'mcp-endpoint', path: '/oidc/mcp', option: 'oidc-proxy' }],
    ['/external/mcp', { kind: 'mcp-endpoint', path: '/external/mcp', option: 'oidc-external' }],
    ['/.well-known/oauth-protected-resource/mcp', { kind: 'resource-metadata', path: '/mcp', option: 'worker' }],
    ['/.well-known/oauth-protected-resource/external/mcp', { kind: 'resource-metadata', path: '/external/mcp', option: 'oidc-external' }],
    ['/.well-known/oauth-authorization-server', { kind: 'authorization-server' }],
    ['/oauth/token', { kind: 'authorization-server' }],
    ['/oauth/register', { kind: 'authorization-server' }],
    ['/authorize', { kind: 'authorize' }],
    ['/authorize/github/callback', { kind: 'authorize' }],
    ['/simulated/github/login/oauth/authorize', { kind: 'simulated-provider', provider: 'github' }],
    ['/simulated/oidc', { kind: 'simulated-provider', provider: 'oidc' }],
    ['/.well-known/oauth-authorization-server/simulated/oidc', { kind: 'simulated-provider', provider: 'oidc' }],
    // Not the server's: the host serves these.
    ['/', null],
    ['/mcpx', null],
    ['/lessons/discovery', null],
    ['/.well-known/oauth-protected-resource', null],
    ['/.well-known/oauth-protected-resource/lessons', null],
    ['/simulated', null],
    ['/authorizex', null],
  ])('%s', (pathname, route) => {
    expect(routeOf(pathname, all)).toEqual(route);
  });
});

describe('routeOf, a server with one option', () => {
  it('a server for option 2 alone owns its endpoint and the authorization server, nothing of the others', () => {
    const github = routeTable([{ entry: AUTH_OPTIONS.github }], []);
    expect(routeOf('/github/mcp', github)).toMatchObject({ kind: 'mcp-endpoint', option: 'github' });
    expect(routeOf('/authorize', github)).toEqual({ kind: 'authorize' });
    expect(routeOf('/mcp', github)).toBeNull();
    expect(routeOf('/simulated/github/login/oauth/authorize', github)).toBeNull();
  });

  it('a server for option 3b alone is no authorization server: /authorize and /oauth are not its', () => {
    const external = routeTable([{ entry: AUTH_OPTIONS['oidc-external'] }], [simulated[1]]);
    expect(external.authorizationServer).toBe(false);
    expect(routeOf('/authorize', external)).toBeNull();
    expect(routeOf('/oauth/token', external)).toBeNull();
    expect(routeOf('/.well-known/oauth-authorization-server', external)).toBeNull();
    expect(routeOf('/external/mcp', external)).toMatchObject({ kind: 'mcp-endpoint', option: 'oidc-external' });
    expect(routeOf('/simulated/oidc/token', external)).toEqual({ kind: 'simulated-provider', provider: 'oidc' });
  });
});
