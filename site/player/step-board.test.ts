import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assign } from '../flow/assign';
import { parseDiagram } from '../flow/diagram';
import type { CapturedExchange, Channel, FlowFailure } from '../flow/types';
import { buildBoard } from './step-board';
import { exchangeFactory } from '../flow/testing/exchanges';

// The real diagram the player shows for option 1 over Streamable HTTP.
const diagram = parseDiagram('worker-oauth', readFileSync(new URL('../../diagrams/worker-oauth.mmd', import.meta.url), 'utf8'));

const exchange = exchangeFactory();

const rpc = (method: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method });
const upToCallback = () => [
  exchange('api', 'POST', '/mcp', 401, rpc('initialize')),
  exchange('api', 'GET', '/.well-known/oauth-protected-resource/mcp', 200),
  exchange('api', 'GET', '/.well-known/oauth-authorization-server', 200),
  exchange('api', 'POST', '/oauth/register', 201),
  exchange('front', 'GET', '/authorize?client_id=c', 200),
  exchange('front', 'POST', '/authorize/sign-in', 303),
  exchange('front', 'GET', '/authorize?client_id=c', 200),
  exchange('front', 'POST', '/authorize', 302),
  exchange('front', 'GET', '/lab/callback?code=x&state=s', 200),
];

function board(exchanges: CapturedExchange[], outcome: Parameters<typeof buildBoard>[0]['outcome'], failure: FlowFailure | null = null, failedAction: string | null = null) {
  return buildBoard({ diagram, assignment: assign(diagram, exchanges, { running: outcome === 'running' }), exchanges: new Map(exchanges.map((one) => [one.id, one])), outcome, failure, failedAction });
}

const failure = (id: string, exchangeId?: string): FlowFailure => ({ id, title: id, cause: 'c', fix: 'f', ...(exchangeId && { exchangeId }) });

describe('buildBoard', () => {
  it('after a successful run, optional steps that did not happen are skipped and nothing is active', () => {
    const all = [
      ...upToCallback(),
      exchange('api', 'POST', '/oauth/token', 200, 'grant_type=authorization_code&code=x'),
      exchange('api', 'POST', '/mcp', 200, rpc('initialize')),
      exchange('api', 'POST', '/mcp', 202, rpc('notifications/initialized')),
      exchange('api', 'POST', '/mcp', 200, rpc('tools/list')),
      exchange('api', 'POST', '/mcp', 200, rpc('tools/call')),
    ];
    const { states, unexpected } = board(all, 'success');
    expect(unexpected).toEqual([]);
    expect(states.get('preregistered')).toBe('skipped');
    expect(states.get('client-metadata')).toBe('skipped');
    for (const step of diagram.steps.filter((candidate) => !candidate.optional)) expect(states.get(step.id), step.id).toBe('done');
  });

  it('going on from a kept authorization: the steps up to the token stay pending, optional ones too, and the rest light', () => {
    const all = [exchange('api', 'POST', '/mcp', 200, rpc('initialize')), exchange('api', 'POST', '/mcp', 202, rpc('notifications/initialized'))];
    const exchanges = new Map(all.map((one) => [one.id, one]));
    const { states } = buildBoard({ diagram, assignment: assign(diagram, all, { after: 'token' }), exchanges, outcome: 'success', failure: null, failedAction: null, after: 'token' });
    const upToToken = diagram.steps.slice(0, diagram.steps.findIndex((step) => step.id === 'token') + 1);
    for (const step of upToToken) expect(states.get(step.id), step.id).toBe('pending');
    expect(states.get('initialize')).toBe('done');
    expect(states.get('initialized')).toBe('done');
  });

  it('while running, the next required message is active; when paused, it is not', () => {
    const some = upToCallback().slice(0, 3);
    expect(board(some, 'running').states.get('authorize')).toBe('active');
    expect([...board(some, 'paused').states.values()]).not.toContain('active');
  });

  it('a refused request marks its own message, with the server’s answer behind it', () => {
    const refused = exchange('api', 'POST', '/oauth/token', 400, 'grant_type=authorization_code&code=x');
    const result = board([...upToCallback(), refused], 'failed', failure('invalid-grant-pkce', refused.id), 'token');
    expect(result.failedStepId).toBe('token');
    expect(result.states.get('token')).toBe('error');
    expect(result.states.get('initialize')).toBe('pending');
  });

  it('a replayed code (the second redemption, unmatched) is drawn on the token message, not as unexpected', () => {
    const first = exchange('api', 'POST', '/oauth/token', 200, 'grant_type=authorization_code&code=x');
    const replay = exchange('api', 'POST', '/oauth/token', 400, 'grant_type=authorization_code&code=x');
    const result = board([...upToCallback(), first, replay], 'failed', failure('invalid-grant-replayed', replay.id), 'token');
    expect(result.unexpected).toEqual([]);
    expect(result.states.get('token')).toBe('error');
    expect(result.exchangesOf.get('token')!.map((one) => one.id)).toEqual([first.id, replay.id]);
  });

  it('failures without an exchange land on the message they are about', () => {
    const callbackArrived = upToCallback();
    expect(board(callbackArrived, 'failed', failure('check-state'), 'authorize').failedStepId).toBe('callback');
    expect(board(callbackArrived, 'failed', failure('access-denied'), 'authorize').failedStepId).toBe('callback');
    // The window closed before the browser ever reached /authorize.
    expect(board(callbackArrived.slice(0, 4), 'failed', failure('window-closed'), 'authorize').failedStepId).toBe('authorize');
    expect(board(callbackArrived.slice(0, 3), 'failed', failure('check-s256'), 'as-metadata').failedStepId).toBe('as-metadata');
  });
});

describe('buildBoard, with a provider behind the Worker (option 3a)', () => {
  const proxy = parseDiagram('oidc-proxy', readFileSync(new URL('../../diagrams/oidc-proxy.mmd', import.meta.url), 'utf8'));
  const at = (channel: Channel, method: string, target: string, status: number, from: CapturedExchange['from'], to: CapturedExchange['to'], body: string | null = null) => ({
    ...exchange(channel, method, target, status, body),
    from,
    to,
  });
  const toTheProvider = () => [
    at('front', 'GET', '/authorize?client_id=c', 200, 'browser', 'as'),
    at('front', 'POST', '/authorize/oidc', 302, 'browser', 'as'),
    at('front', 'GET', '/simulated/oidc/authorize?client_id=w', 200, 'browser', 'upstream'),
    at('front', 'POST', '/simulated/oidc/authorize', 302, 'browser', 'upstream'),
    at('front', 'GET', '/authorize/oidc/callback?code=x&state=s', 302, 'browser', 'as'),
  ];
  const buildFor = (exchanges: CapturedExchange[], failureId: string) =>
    buildBoard({ diagram: proxy, assignment: assign(proxy, exchanges), exchanges: new Map(exchanges.map((one) => [one.id, one])), outcome: 'failed', failure: failure(failureId), failedAction: 'authorize' });

  it('an ID token the Worker refused is marked where the Worker checked it: its callback from the provider', () => {
    const exchanges = [...toTheProvider(), at('back', 'POST', '/simulated/oidc/token', 200, 'as', 'upstream', 'grant_type=authorization_code'), at('front', 'GET', '/lab/callback?error=server_error', 200, 'browser', 'client')];
    const result = buildFor(exchanges, 'id-token-rejected');
    expect(result.failedStepId).toBe('provider-callback');
    expect(result.states.get('code-exchange')).toBe('done');
    expect(result.states.get('callback')).toBe('done');
  });

  it('a provider that failed the code exchange: that message, where the 500 came back', () => {
    const exchanges = [...toTheProvider(), at('back', 'POST', '/simulated/oidc/token', 500, 'as', 'upstream', 'grant_type=authorization_code'), at('front', 'GET', '/lab/callback?error=temporarily_unavailable', 200, 'browser', 'client')];
    const result = buildFor(exchanges, 'upstream-unavailable');
    expect(result.failedStepId).toBe('code-exchange');
    expect([...result.states].filter(([, state]) => state === 'error').map(([id]) => id)).toEqual(['code-exchange']);
  });
});
