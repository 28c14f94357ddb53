import { describe, expect, test } from 'vitest';
import { assign, globMatches, orderExchanges, partOf, recognises, statusMatches } from './assign';
import { parseDiagram } from './diagram';
import type { CapturedExchange, FlowEvent } from './types';
import { exchangeFactory } from './testing/exchanges';

const spec = 'spec: RFC 6749 §4.1 https://www.rfc-editor.org/rfc/rfc6749#section-4.1';
const step = (id: string, match: string, arrow: string, optional = false) =>
  `  %% step: ${id}${optional ? ' optional' : ''}  match: ${match}  ${spec}\n  %% why: Because. Really.\n  ${arrow}: ${id}\n`;
const diagram = parseDiagram(
  'table',
  `sequenceDiagram
  participant Browser
  participant Client
  participant MCP
  participant AS
${step('probe', 'api POST /mcp method=initialize -> 401', 'Client->>MCP')}${step('register', 'api POST /oauth/register -> 201', 'Client->>AS', true)}${step('preregistered', 'api GET /lab/client -> 200', 'Client->>Client', true)}${step('authorize', 'front GET /authorize -> 200|302', 'Browser->>AS')}${step('sign-in', 'front POST /authorize/sign-in -> 303', 'Browser->>AS', true)}${step('consent-page', 'front GET /authorize -> 200', 'Browser->>AS', true)}${step('consent', 'front POST /authorize -> 302', 'Browser->>AS', true)}${step('callback', 'front GET /lab/callback -> 200', 'Browser->>Client')}${step('token', 'api POST /oauth/token grant_type=authorization_code -> 200', 'Client->>AS')}${step('initialize', 'api POST /mcp method=initialize -> 200', 'Client->>MCP')}`,
);

const ex = exchangeFactory();
const rpc = (method: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method });
const tokenForm = 'grant_type=authorization_code&code=%5Bredacted%5D&client_id=c';

function cleanRun(signedIn: boolean): CapturedExchange[] {
  return [
    ex('api', 'POST', '/mcp', 401, rpc('initialize')),
    ex('api', 'POST', '/oauth/register', 201, '{}'),
    ex('front', 'GET', '/authorize?client_id=c', 200),
    ...(signedIn ? [] : [ex('front', 'POST', '/authorize/sign-in', 303, 'csrf=x'), ex('front', 'GET', '/authorize?client_id=c', 200)]),
    ex('front', 'POST', '/authorize', 302, 'handle=h&decision=approve'),
    ex('front', 'GET', '/lab/callback?code=c&state=s', 200),
    ex('api', 'POST', '/oauth/token', 200, tokenForm),
    ex('api', 'POST', '/mcp', 200, rpc('initialize')),
  ];
}

describe('assign', () => {
  test('going on from a kept authorization: the steps up to `after` happened elsewhere, take nothing, and stay pending', () => {
    const initialize = ex('api', 'POST', '/mcp', 200, rpc('initialize'));
    const { states, stepOf } = assign(diagram, [initialize], { after: 'token', running: false });
    expect(stepOf[initialize.id]).toBe('initialize'); // not the probe, which matches the same request
    expect(Object.entries(states).filter(([, state]) => state !== 'pending')).toEqual([['initialize', 'done']]);
    // Without it, the same request would be taken for the probe, and answered wrongly.
    expect(assign(diagram, [initialize]).states.probe).toBe('error');
    // While it runs, the next step to light is the first after `after`, not the probe.
    expect(assign(diagram, [], { after: 'token', running: true }).states.initialize).toBe('active');
  });

  test.each([
    ['a first-time user (sign-in, consent)', cleanRun(false), { 'sign-in': 'done', 'consent-page': 'done' }],
    ['a signed-in user (consent only)', cleanRun(true), { 'sign-in': 'skipped', 'consent-page': 'skipped' }],
  ])('%s: every step done or skipped, nothing unexpected', (_, exchanges, signIn) => {
    const { states, unexpected, stepOf } = assign(diagram, exchanges);
    expect(states).toEqual({
      probe: 'done',
      register: 'done',
      preregistered: 'skipped',
      authorize: 'done',
      ...signIn,
      consent: 'done',
      callback: 'done',
      token: 'done',
      initialize: 'done',
    });
    expect(unexpected).toEqual([]);
    expect(Object.keys(stepOf)).toHaveLength(exchanges.length);
  });

  test('remembered consent: /authorize redirects straight to the callback', () => {
    const run = cleanRun(true).filter((exchange) => !(exchange.method === 'POST' && exchange.url.endsWith('/authorize')));
    run[2] = { ...run[2], status: 302 };
    expect(assign(diagram, run).states).toMatchObject({ authorize: 'done', consent: 'skipped', callback: 'done' });
  });

  test.each([
    ['the token request is refused', 'token', 400],
    ['the probe is answered 403', 'probe', 403],
    ['the token request never got an answer', 'token', null],
  ])('%s: that step is in error, the rest of the picture stays', (_, stepId, status) => {
    const run = cleanRun(true);
    const index = run.findIndex((exchange) => assign(diagram, [exchange]).stepOf[exchange.id] === stepId);
    run[index] = { ...run[index], status };
    const { states } = assign(diagram, run.slice(0, index + 1));
    expect(states[stepId]).toBe('error');
    expect(Object.values(states).filter((state) => state === 'error')).toHaveLength(1);
  });

  test('a second use of the same code has no step: it is unexpected, not dropped', () => {
    const run = cleanRun(true).slice(0, -1);
    const replay = ex('api', 'POST', '/oauth/token', 400, tokenForm);
    const { states, unexpected } = assign(diagram, [...run, replay]);
    expect(states.token).toBe('done');
    expect(unexpected).toEqual([replay]);
  });

  test('an exchange of no step is unexpected, whatever its channel', () => {
    const favicon = ex('front', 'GET', '/favicon.ico', 200);
    const upstream = ex('back', 'GET', '/somewhere', 200);
    expect(assign(diagram, [...cleanRun(true), favicon, upstream]).unexpected).toEqual([favicon, upstream]);
  });

  test('an errored step is completed by a later retry', () => {
    const run = cleanRun(true);
    const retried = [...run.slice(0, -2), { ...run.at(-2)!, status: 400 }, ex('api', 'POST', '/oauth/token', 200, tokenForm)];
    const { states, exchangesOf } = assign(diagram, retried);
    expect(states.token).toBe('done');
    expect(exchangesOf.token).toHaveLength(2);
  });

  test('while running, the next required step is active; optional ones not yet passed wait', () => {
    const run = cleanRun(true);
    expect(assign(diagram, [], { running: true }).states.probe).toBe('active');
    const { states } = assign(diagram, run.slice(0, 2), { running: true });
    expect(states).toMatchObject({ register: 'done', preregistered: 'pending', authorize: 'active', token: 'pending' });
    expect(assign(diagram, run.slice(0, 2)).states.authorize).toBe('pending');
  });

  test('the order exchanges arrive in does not matter, and a repeated id replaces its earlier version', () => {
    const run = cleanRun(false);
    const grown = { ...run[0], responseBody: 'more' };
    const shuffled = [...run].reverse();
    expect(assign(diagram, [...shuffled, grown])).toEqual(assign(diagram, run.map((exchange, i) => (i === 0 ? grown : exchange))));
  });
});

describe('matching pieces', () => {
  test.each([
    ['/oauth/token', '/oauth/token', true],
    ['/oauth/token', '/oauth/token/x', false],
    ['/lab/*.json', '/lab/client-metadata.json', true],
    ['/lab/*', '/lab/a/b', false],
    ['/.well-known/**', '/.well-known/oauth-protected-resource/mcp', true],
    ['/a.b', '/aXb', false],
  ])('glob %s ~ %s: %s', (pattern, path, expected) => {
    expect(globMatches(pattern, path)).toBe(expected);
  });

  test.each([
    ['200', 200, true],
    ['200', 201, false],
    ['2xx', 202, true],
    ['200|302', 302, true],
    ['200|302', 303, false],
    [undefined, 500, true],
    [undefined, null, false],
  ])('status %s ~ %s: %s', (expected, status, result) => {
    expect(statusMatches(expected, status)).toBe(result);
  });

  test('a parameter is read from the query, a form body or a JSON body, and may be a glob', () => {
    const matcher = (param: string) => ({
      from: 'client' as const,
      to: 'as' as const,
      match: { channel: 'api' as const, method: 'POST', path: '/x', param: { name: param.split('=')[0], value: param.split('=')[1] } },
    });
    expect(recognises(matcher('method=tools/list'), ex('api', 'POST', '/x', 200, rpc('tools/list')))).toBe(true);
    expect(recognises(matcher('method=tools/list'), ex('api', 'POST', '/x', 200, rpc('tools/call')))).toBe(false);
    expect(recognises(matcher('token_type_hint=*'), ex('api', 'POST', '/x', 200, 'token=t&token_type_hint=refresh_token'))).toBe(true);
    expect(recognises(matcher('token_type_hint=*'), ex('api', 'POST', '/x', 200, tokenForm))).toBe(false);
    expect(recognises(matcher('sessionId=*'), ex('api', 'POST', '/x?sessionId=abc', 202, '{}'))).toBe(true);
    expect(recognises(matcher('method=x'), ex('api', 'POST', '/x', 200, '{not json'))).toBe(false);
  });

  test('the arrow’s actors must be the exchange’s: the same URL from another box is another message', () => {
    const arrow = (from: 'as' | 'mcp', to: 'upstream' | 'as') => ({ from, to, match: { channel: 'back' as const, method: 'GET', path: '/**jwks' } });
    const jwks = { ...ex('back', 'GET', '/simulated/oidc/jwks', 200), from: 'mcp' as const, to: 'as' as const };
    expect(recognises(arrow('mcp', 'as'), jwks)).toBe(true);
    expect(recognises(arrow('as', 'upstream'), jwks)).toBe(false);
    expect(recognises(arrow('mcp', 'upstream'), jwks)).toBe(false);
  });

  test('orderExchanges: by start time, then page before worker, then capture order', () => {
    const at = (id: string, source: 'page' | 'worker', startedAt: number) => ({ ...ex('api', 'GET', '/x', 200), id, source, startedAt });
    const sorted = orderExchanges([at('worker-2', 'worker', 5), at('page-10', 'page', 5), at('page-9', 'page', 5), at('worker-1', 'worker', 1)]);
    expect(sorted.map((exchange) => exchange.id)).toEqual(['worker-1', 'page-9', 'page-10', 'worker-2']);
  });

  test('partOf: an exchange belongs to the on-demand action that had started by then', () => {
    const events: FlowEvent[] = [
      { type: 'action', action: 'token', phase: 'start', at: 100 },
      { type: 'finished', outcome: 'success' },
      { type: 'action', action: 'step-up', phase: 'start', at: 200 },
      { type: 'action', action: 'step-up', phase: 'end', at: 300 },
      { type: 'action', action: 'revoke', phase: 'start', at: 400 },
    ];
    const at = (startedAt: number) => ({ ...ex('api', 'GET', '/x', 200), startedAt });
    expect([150, 250, 350, 450].map((time) => partOf(events, at(time)))).toEqual(['main', 'step-up', 'step-up', 'revoke']);
  });
});
