import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assign } from '../flow/assign';
import { parseDiagram } from '../flow/diagram';
import type { CapturedExchange, Channel, FlowFailure } from '../flow/types';
import { buildBoard } from './step-board';

// The real diagram the player shows for option 1 over Streamable HTTP.
const diagram = parseDiagram('worker-oauth', readFileSync(new URL('../../diagrams/worker-oauth.mmd', import.meta.url), 'utf8'));

let clock = 0;
function exchange(channel: Channel, method: string, target: string, status: number, body: string | null = null): CapturedExchange {
  clock += 10;
  const source = channel === 'api' ? 'page' : 'worker';
  return {
    id: `${source}-${clock}`,
    traceId: 't',
    source,
    channel,
    from: channel === 'front' ? 'browser' : 'client',
    to: /^\/(mcp|\.well-known\/oauth-protected-resource)/.test(target) ? 'mcp' : target.startsWith('/lab/') ? 'client' : 'as',
    method,
    url: `http://localhost:1234${target}`,
    status,
    requestHeaders: [],
    requestBody: body,
    responseHeaders: [],
    responseBody: null,
    startedAt: clock,
    endedAt: clock + 5,
    redacted: [],
  };
}

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
