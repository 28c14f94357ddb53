import { describe, expect, inject, test } from 'vitest';
import { AUTH_OPTIONS, type AuthOptionId } from '../../site/flow/auth-options';
import { diagramIdFor } from '../../site/flow/diagram';
import type { CapturedExchange, OnDemandAction, Registration } from '../../site/flow/types';
import type { HeadlessUserOptions } from '../support/headless-user.ts';
import { checksOf, diagrams, expectClean, expectNothingDropped, failuresOf, lit, outcomeOf, pageExchanges, runFlow, settledPicture, type Session } from './flow-engine-support.ts';

/**
 * Options 2, 3a and 3b in the flow engine the player runs, against the production build: the
 * headless user answers the Worker's consent and the simulated provider's pages, and the Worker's
 * trace adds what the page cannot see (those pages, and the Worker's own calls to the provider).
 * Every exchange must light a message of the option's diagrams, from the right actor to the right
 * actor; a clean run leaves nothing unexpected and nothing required undone.
 */
const origin = inject('labOrigin');
const PROVIDER_OPTIONS: AuthOptionId[] = ['github', 'oidc-proxy', 'oidc-external'];
const run = (option: AuthOptionId, registration: Registration = 'dcr', user?: HeadlessUserOptions) => runFlow(origin, { option, transport: 'streamable-http', registration }, user);

const mainOf = (option: AuthOptionId) => diagramIdFor('streamable-http', 'main', option);
const exchangeOf = (session: Session, id: string): CapturedExchange => [...session.browser.fromWorker.values(), ...pageExchanges(session.events)].find((exchange) => exchange.id === id)!;
/** The text of the tool call's result. */
function toolResult(session: Session): string {
  const call = pageExchanges(session.events).findLast((exchange) => exchange.requestBody?.includes('"tools/call"'))!;
  const line = call.responseBody!.split('\n').find((text) => text.startsWith('data: ')) ?? call.responseBody!;
  const message = JSON.parse(line.replace(/^data: /, '')) as { result: { content: { text: string }[] } };
  return message.result.content.map((part) => part.text).join('\n');
}

describe.each(PROVIDER_OPTIONS)('%s', (option) => {
  const mainId = mainOf(option);
  const main = diagrams.get(mainId)!;
  const behindTheWorker = option !== 'oidc-external';

  test('a clean run: every message lit by a real exchange, each from and to the actors drawn', async () => {
    const session = await run(option);
    expect(failuresOf(session.events)).toEqual([]);
    expect(outcomeOf(session.events)).toEqual(['success']);
    expect(checksOf(session.events)).toEqual([
      'audience:true', 'issuer-match:true', 's256-advertised:true', 'state:true', 'iss:true', 'resource-sent:true',
      // Only a JWT access token says whom it is for; the Worker's own tokens are opaque.
      ...(behindTheWorker ? [] : ['token-audience:true']),
    ]);

    const picture = await settledPicture(session);
    expectNothingDropped(picture);
    expect([...picture.assignments.keys()]).toEqual([mainId]);
    const assignment = picture.assignments.get(mainId)!;
    expectClean(assignment, main);
    // Every lit message is drawn between the boxes its exchange went between.
    for (const [exchangeId, stepId] of Object.entries(assignment.stepOf)) {
      const step = main.steps.find((candidate) => candidate.id === stepId)!;
      const exchange = exchangeOf(session, exchangeId);
      expect(`${exchange.from}→${exchange.to}`, stepId).toBe(`${step.from}→${step.to}`);
    }
    // A first visit: the Worker's consent page (2, 3a) and the provider's own page were both shown.
    expect(assignment.states).toMatchObject(behindTheWorker ? { consent: 'done', 'provider-authorize': 'done', 'provider-consent': 'done' } : { consent: 'done' });

    const fromWorker = (stepId: string) => assignment.exchangesOf[stepId].map((id) => session.browser.fromWorker.get(id)!);
    switch (option) {
      case 'github': {
        // The back channel, as the Worker recorded it: GitHub's code exchanged with the app's secret, all redacted.
        const [codeExchange] = fromWorker('code-exchange');
        expect(codeExchange).toMatchObject({ channel: 'back', from: 'as', to: 'upstream', method: 'POST', status: 200 });
        expect(codeExchange.redacted).toEqual(expect.arrayContaining(['body.code', 'body.client_secret', 'body.code_verifier', 'response.access_token']));
        expect(JSON.parse(codeExchange.responseBody!).access_token).toMatch(/^\[redacted access_token, \d+ chars\]$/);
        expect(fromWorker('tool-upstream')).toMatchObject([{ from: 'mcp', to: 'upstream', url: `${origin}/simulated/github/api/user`, status: 200 }]);
        expect(JSON.parse(toolResult(session))).toMatchObject({ login: 'mona', provider: 'Simulated GitHub', fetched_from: `${origin}/simulated/github/api/user` });
        break;
      }
      case 'oidc-proxy': {
        const [codeExchange] = fromWorker('code-exchange');
        expect(codeExchange).toMatchObject({ from: 'as', to: 'upstream', url: `${origin}/simulated/oidc/token`, status: 200 });
        expect(codeExchange.redacted).toEqual(expect.arrayContaining(['header.authorization', 'body.code', 'body.code_verifier', 'response.id_token']));
        expect(fromWorker('userinfo')).toMatchObject([{ from: 'mcp', to: 'upstream', url: `${origin}/simulated/oidc/userinfo`, status: 200 }]);
        expect(JSON.parse(toolResult(session))).toMatchObject({ provider: 'Simulated OIDC provider', claims: { sub: '248289761001', preferred_username: 'ada' } });
        break;
      }
      case 'oidc-external': {
        // The page's own exchanges with the provider: it registered and got its token there.
        const [register] = assignment.exchangesOf.register.map((id) => exchangeOf(session, id));
        expect(register).toMatchObject({ channel: 'api', to: 'as', url: `${origin}/simulated/oidc/register`, status: 201 });
        // The keys, if this run was the first to need them, were fetched by the MCP server.
        for (const stepId of ['discovery', 'jwks']) for (const lookup of fromWorker(stepId)) expect(lookup).toMatchObject({ from: 'mcp', to: 'as', status: 200 });
        expect(JSON.parse(toolResult(session))).toMatchObject({ issuer: `${origin}/simulated/oidc`, audience: `${origin}/external/mcp`, scope: ['mcp:read'] });
        break;
      }
    }
    session.run.cancel();
  });

  test('on demand after the flow: each action on its own diagram, all clean', async () => {
    const session = await run(option);
    const results: Record<string, string> = {};
    for (const action of AUTH_OPTIONS[option].onDemand) results[action] = await session.run.perform(action);
    expect(failuresOf(session.events)).toEqual([]);
    expect(Object.values(results).every((result) => result === 'success')).toBe(true);
    const picture = await settledPicture(session);
    expectNothingDropped(picture);
    const expected = [mainId, ...AUTH_OPTIONS[option].onDemand.map((action: OnDemandAction) => diagramIdFor('streamable-http', action, option))];
    expect([...picture.assignments.keys()].sort()).toEqual([...new Set(expected)].sort());
    for (const [id, assignment] of picture.assignments) expectClean(assignment, diagrams.get(id)!);
    // The wider scope is asked for where the scopes are granted: the Worker's page (2, 3a) or the provider's (3b).
    const stepUp = picture.assignments.get(diagramIdFor('streamable-http', 'step-up', option))!;
    expect(stepUp.states.consent).toBe('done');
    if (behindTheWorker) expect(stepUp.states['provider-consent'], 'the provider remembers the Worker’s client').toBe('skipped');
    session.run.cancel();
  });

  test('Cancel at the provider: access_denied reaches the client with its state, explained', async () => {
    const session = await run(option, 'dcr', { provider: { decision: 'cancel' } });
    const [failure] = failuresOf(session.events);
    expect(failuresOf(session.events)).toHaveLength(1);
    expect(failure.id).toBe(behindTheWorker ? 'upstream-denied' : 'access-denied');
    expect(failure.serverSaid).toContain('error=access_denied');
    // The state and iss checks passed first: the refusal came from the server the client chose.
    expect(checksOf(session.events).slice(-2)).toEqual(['state:true', 'iss:true']);
    const assignment = (await settledPicture(session, lit(mainId, 'callback'))).assignments.get(mainId)!;
    expect(assignment.unexpected).toEqual([]);
    expect(assignment.states).toMatchObject({ callback: 'done', token: 'pending', ...(behindTheWorker && { 'provider-callback': 'done', 'code-exchange': 'pending' }) });
  });

  test('the provider’s token endpoint fails with HTTP 500', async () => {
    const session = await run(option, 'dcr', { provider: { failure: 'token_500' } });
    const [failure] = failuresOf(session.events);
    expect(failuresOf(session.events)).toHaveLength(1);
    const assignment = (await settledPicture(session, lit(mainId, ...(behindTheWorker ? ['callback', 'code-exchange'] : ['token'])))).assignments.get(mainId)!;
    expect(assignment.unexpected).toEqual([]);
    if (behindTheWorker) {
      // The Worker met the 500 on the back channel and told the client temporarily_unavailable.
      expect(failure.id).toBe('upstream-unavailable');
      expect(assignment.states).toMatchObject({ 'code-exchange': 'error', callback: 'done' });
    } else {
      // The client met it itself, at the provider's token endpoint.
      expect(failure).toMatchObject({ id: 'server-failed', serverSaid: expect.stringContaining('internal server error') });
      expect(assignment.states.token).toBe('error');
    }
  });
});

test('option 3a: an ID token whose signature does not verify is refused by the Worker, and explained', async () => {
  const session = await run('oidc-proxy', 'dcr', { provider: { failure: 'bad_signature' } });
  expect(failuresOf(session.events)).toMatchObject([{ id: 'id-token-rejected', serverSaid: expect.stringContaining('error=server_error') }]);
  const assignment = (await settledPicture(session, lit(mainOf('oidc-proxy'), 'callback', 'code-exchange'))).assignments.get(mainOf('oidc-proxy'))!;
  // The code exchange itself succeeded: the token arrived, and failed the Worker's checks.
  expect(assignment.states).toMatchObject({ 'code-exchange': 'done', callback: 'done', token: 'pending' });
  expect(assignment.unexpected).toEqual([]);
});

test('option 3b: a token issued for another audience is flagged by the client, then refused by the MCP server', async () => {
  const session = await run('oidc-external', 'dcr', { provider: { failure: 'wrong_audience' } });
  expect(checksOf(session.events)).toContain('token-audience:false');
  expect(failuresOf(session.events)).toMatchObject([{ id: 'invalid-token' }]);
  const assignment = (await settledPicture(session, lit(mainOf('oidc-external'), 'initialize'))).assignments.get(mainOf('oidc-external'))!;
  expect(assignment.states).toMatchObject({ token: 'done', initialize: 'error' });
});

test.each<AuthOptionId>(['github', 'oidc-proxy'])('%s with the pre-registered client: clean', async (option) => {
  const session = await run(option, 'preregistered');
  expect(outcomeOf(session.events)).toEqual(['success']);
  const picture = await settledPicture(session);
  expectClean(picture.assignments.get(mainOf(option))!, diagrams.get(mainOf(option))!);
  session.run.cancel();
});
