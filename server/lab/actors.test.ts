import { describe, expect, it } from 'vitest';
import { AUTH_OPTIONS } from '../catalogue';
import { routeTable } from '../routes';
import { actorAt, callsFrom, frontChannelTarget, providerRole } from './actors';

const routes = routeTable(
  Object.values(AUTH_OPTIONS).map((entry) => ({ entry })),
  [
    { id: 'github', paths: { base: '/simulated/github', aliases: [] } },
    { id: 'oidc', paths: { base: '/simulated/oidc', aliases: ['/.well-known/openid-configuration/simulated/oidc'] } },
  ],
);
const ORIGIN = 'https://lab.example';

describe('actorAt: the box a path is drawn as', () => {
  it.each([
    ['/authorize', 'as'],
    ['/authorize/sign-in', 'as'],
    ['/authorize/oidc/callback', 'as'],
    ['/oauth/token', 'as'],
    ['/.well-known/oauth-authorization-server', 'as'],
    ['/mcp', 'mcp'],
    ['/sse/message', 'mcp'],
    ['/external/mcp', 'mcp'],
    ['/.well-known/oauth-protected-resource/github/mcp', 'mcp'],
    ['/.well-known/oauth-protected-resource', 'mcp'],
    ['/simulated/github/login/oauth/authorize', 'upstream'],
    ['/.well-known/openid-configuration/simulated/oidc', 'upstream'],
    ['/lab/callback', 'client'],
    ['/', null],
    ['/lab', null],
    ['/lessons/discovery', null],
  ])('%s → %s', (pathname, actor) => {
    expect(actorAt(pathname, routes)).toBe(actor);
  });
});

describe('callsFrom: who the Worker calls as while it handles a path', () => {
  it.each([
    ['/authorize/github/callback', { caller: 'as', callee: 'upstream' }],
    ['/oauth/token', { caller: 'as', callee: 'upstream' }],
    ['/github/mcp', { caller: 'mcp', callee: 'upstream' }],
    ['/oidc/mcp', { caller: 'mcp', callee: 'upstream' }],
    // Option 3b: the tokens come from the provider, so its keys are the authorization server's.
    ['/external/mcp', { caller: 'mcp', callee: 'as' }],
  ])('%s', (pathname, expected) => {
    expect(callsFrom(pathname, routes)).toEqual(expected);
  });
});

describe('frontChannelTarget: only navigations are front-channel exchanges', () => {
  const request = (mode: string | null) => new Request(`${ORIGIN}/authorize`, { headers: mode ? { 'sec-fetch-mode': mode } : {} });
  it('a navigation to /authorize is the browser going to the authorization server', () => {
    expect(frontChannelTarget(request('navigate'), '/authorize', routes)).toBe('as');
  });
  it.each([['cors'], ['no-cors'], [null]])('a %s request is not', (mode) => {
    expect(frontChannelTarget(request(mode), '/authorize', routes)).toBeNull();
  });
});

describe('providerRole: a provider page works for the Worker, or for an MCP client', () => {
  const page = (redirectUri: string) => `${ORIGIN}/simulated/oidc/authorize?${new URLSearchParams({ redirect_uri: redirectUri })}`;
  it('sending the browser back to the Worker’s callback: upstream (options 2 and 3a)', () => {
    expect(providerRole(page(`${ORIGIN}/authorize/oidc/callback`), null, ORIGIN, '/authorize')).toBe('upstream');
  });
  it('sending it to an MCP client: that client’s authorization server (option 3b)', () => {
    expect(providerRole(page('http://127.0.0.1:3000/callback'), null, ORIGIN, '/authorize')).toBe('as');
  });
  it('the form that answers the page carries the original query', () => {
    const body = new URLSearchParams({ request: new URLSearchParams({ redirect_uri: `${ORIGIN}/lab/callback` }).toString() }).toString();
    expect(providerRole(`${ORIGIN}/simulated/oidc/authorize`, body, ORIGIN, '/authorize')).toBe('as');
  });
  it('no redirect_uri at all: upstream', () => {
    expect(providerRole(`${ORIGIN}/simulated/github`, null, ORIGIN, '/authorize')).toBe('upstream');
  });
});
