import { describe, expect, inject, test } from 'vitest';
import { diagramIdFor } from '../../site/flow/diagram';
import type { FlowConfig, OnDemandAction, Registration, Sabotage, Transport } from '../../site/flow/types';
import type { HeadlessUserOptions } from '../support/headless-user.ts';
import { checksOf, diagrams, expectClean, expectNothingDropped, failuresOf, outcomeOf, pageExchanges, pictureOf, runFlow as runFlowAt, type Session } from './flow-engine-support.ts';

/**
 * The browser flow engine, for real: the engine the player runs, in Node, against the production
 * build, with a headless user in the authorization window and the Worker's trace stream. Every
 * exchange of every run, the page's and the Worker's, must light a message of the flow's diagram
 * or be reported as unexpected; a clean run leaves nothing unexpected and nothing required undone.
 */
const origin = inject('labOrigin');
const endpoint = (transport: Transport) => `${origin}/${transport === 'sse' ? 'sse' : 'mcp'}`;
const runFlow = (config: Partial<FlowConfig> & { transport: Transport; registration: Registration }, user?: HeadlessUserOptions) => runFlowAt(origin, config, user);
/** The picture, checked for dropped exchanges. */
const picture = (session: Session) => {
  const drawn = pictureOf(session);
  expectNothingDropped(drawn);
  return drawn;
};
describe.each<Transport>(['streamable-http', 'sse'])('the flow engine over %s', (transport) => {
  const mainId = diagramIdFor(transport, 'main');

  test.each<Registration>(['dcr', 'preregistered'])('%s: a clean run lights every message with real exchanges from both sides', async (registration) => {
    const session = await runFlow({ transport, registration });
    const { events, browser } = session;
    expect(failuresOf(events)).toEqual([]);
    expect(outcomeOf(events)).toEqual(['success']);
    expect(checksOf(events)).toEqual(['audience:true', 'issuer-match:true', 's256-advertised:true', 'state:true', 'iss:true', 'resource-sent:true']);

    const { assignments } = picture(session);
    expect([...assignments.keys()]).toEqual([mainId]);
    const main = assignments.get(mainId)!;
    expectClean(main, diagrams.get(mainId)!);
    // A first visit: the user signs in, then consents; the registration used is the one lit.
    expect(main.states).toMatchObject({
      register: registration === 'dcr' ? 'done' : 'skipped',
      preregistered: registration === 'preregistered' ? 'done' : 'skipped',
      'client-metadata': 'skipped',
      'sign-in': 'done',
      'consent-page': 'done',
      consent: 'done',
    });
    // The front channel is the Worker's record (redacted), the rest the page's own.
    const fromWorker = [...browser.fromWorker.values()];
    expect(main.exchangesOf.callback.map((id) => browser.fromWorker.get(id)?.url)).toEqual([expect.stringMatching(/\/lab\/callback\?code=%5Bredacted|\/lab\/callback\?code=\[redacted/)]);
    expect(fromWorker.every((exchange) => exchange.channel === 'front' && exchange.traceId === browser.traceId)).toBe(true);
    expect(main.exchangesOf.token.every((id) => id.startsWith('page-'))).toBe(true);
    session.run.cancel();
  });

  test('cimd on http: the teaching failure, before any authorization request', async () => {
    const session = await runFlow({ transport, registration: 'cimd' });
    expect(failuresOf(session.events)).toMatchObject([{ id: 'cimd-needs-https', serverSaid: `client_id would be ${origin}/lab/client-metadata.json` }]);
    expect(session.browser.navigations).toBe(0);
    const main = picture(session).assignments.get(mainId)!;
    expect(main.unexpected).toEqual([]);
    expect(Object.entries(main.states).filter(([, state]) => state === 'done').map(([id]) => id)).toEqual(['probe', 'resource-metadata', 'as-metadata']);
  });

  test.each<[Sabotage, string]>([
    ['wrong-verifier', 'invalid-grant-pkce'],
    ['wrong-state', 'check-state'],
    ['omit-resource', 'check-resource-sent'],
    ['replay-code', 'invalid-grant-replayed'],
  ])('sabotage %s: fails as %s, and the picture shows where', async (sabotage, failureId) => {
    const session = await runFlow({ transport, registration: 'dcr', sabotage });
    const { events } = session;
    const [failure] = failuresOf(events);
    expect(failuresOf(events)).toHaveLength(1);
    expect(failure.id).toBe(failureId);
    expect(outcomeOf(events)).toEqual(['failed']);
    const main = picture(session).assignments.get(mainId)!;
    const tokenExchanges = pageExchanges(events).filter((exchange) => exchange.url === `${origin}/oauth/token`);

    switch (sabotage) {
      case 'wrong-verifier':
        expect(JSON.parse(failure.serverSaid!)).toEqual({ error: 'invalid_grant', error_description: 'Invalid PKCE code_verifier', failure: 'pkce-verifier-mismatch' });
        expect(main.states.token).toBe('error');
        expect(main.exchangesOf.token).toEqual([failure.exchangeId]);
        expect(main.unexpected).toEqual([]);
        break;
      case 'wrong-state':
        expect(checksOf(events).at(-1)).toBe('state:false');
        expect(tokenExchanges).toEqual([]); // the code was never sent
        expect(main.states).toMatchObject({ callback: 'done', token: 'pending' });
        expect(main.unexpected).toEqual([]);
        break;
      case 'omit-resource': {
        expect(checksOf(events).at(-1)).toBe('resource-sent:false');
        expect(main.states.token).toBe('done');
        // The server chose the audience itself: its default, /mcp, whichever endpoint this client wanted.
        expect(JSON.parse(tokenExchanges[0].responseBody!).resource).toBe(`${origin}/mcp`);
        expect(main.unexpected).toEqual([]);
        break;
      }
      case 'replay-code': {
        expect(tokenExchanges.map((exchange) => exchange.status)).toEqual([200, 400]);
        expect(JSON.parse(failure.serverSaid!)).toEqual({ error: 'invalid_grant', error_description: 'Authorization code already used', failure: 'code-replayed' });
        expect(main.states.token).toBe('done');
        expect(main.unexpected.map((exchange) => exchange.id)).toEqual([failure.exchangeId]);
        // The replay revoked the grant: the token from the first redemption no longer works.
        const { access_token } = JSON.parse(tokenExchanges[0].responseBody!);
        const probe = await fetch(endpoint(transport), {
          method: transport === 'sse' ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          ...(transport !== 'sse' && { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) }),
        });
        await probe.body?.cancel();
        expect(probe.status).toBe(401);
        break;
      }
    }
  });

  test('the user presses Deny: access_denied, with the consent and the callback drawn', async () => {
    const session = await runFlow({ transport, registration: 'preregistered' }, { decision: 'deny' });
    expect(failuresOf(session.events)).toMatchObject([{ id: 'access-denied', serverSaid: 'error=access_denied' }]);
    const main = picture(session).assignments.get(mainId)!;
    expect(main.states).toMatchObject({ consent: 'done', callback: 'done', token: 'pending' });
    expect(main.unexpected).toEqual([]);
  });

  test('on demand: refresh, step-up and revoke, each on its own diagram, all clean', async () => {
    const session = await runFlow({ transport, registration: 'dcr' });
    const results: Record<string, string> = {};
    for (const action of ['refresh', 'step-up', 'revoke'] satisfies OnDemandAction[]) results[action] = await session.run.perform(action);
    await session.browser.settled();
    expect(failuresOf(session.events)).toEqual([]);
    expect(results).toEqual({ refresh: 'success', 'step-up': 'success', revoke: 'success' });

    const { assignments } = picture(session);
    const stepUpId = diagramIdFor(transport, 'step-up');
    const refreshRevokeId = diagramIdFor(transport, 'revoke');
    expect([...assignments.keys()].sort()).toEqual([mainId, refreshRevokeId, stepUpId].sort());
    for (const [id, assignment] of assignments) expectClean(assignment, diagrams.get(id)!);
    // Still signed in from the first authorization: step-up goes straight to consent.
    expect(assignments.get(stepUpId)!.states).toMatchObject({ 'sign-in': 'skipped', 'consent-page': 'skipped', consent: 'done' });
    // The step-up token has the write scope, and the note was saved.
    const stepUpToken = pageExchanges(session.events).filter((exchange) => exchange.requestBody?.includes('grant_type=authorization_code')).at(-1)!;
    expect(JSON.parse(stepUpToken.responseBody!).scope.split(' ').sort()).toEqual(['mcp:read', 'mcp:write']);
    session.run.cancel();
  });
});
