import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'undici';
import { describe, expect, inject, test } from 'vitest';
import { assign, orderExchanges, partOf, type Assignment } from '../../site/flow/assign';
import { diagramIdFor, parseDiagram } from '../../site/flow/diagram';
import { createFlowRun } from '../../site/flow/engine';
import { startTrace } from '../../site/flow/trace-client';
import type { CapturedExchange, FlowConfig, FlowDiagram, FlowEvent, FlowRun, OnDemandAction, Registration, Sabotage, Transport } from '../../site/flow/types';
import { authorizeAsUser, CookieJar, type HeadlessUserOptions } from '../support/headless-user.ts';

/**
 * The browser flow engine, for real: the engine the player runs, in Node, against the production
 * build, with a headless user in the authorization window and the Worker's trace stream. Every
 * exchange of every run, the page's and the Worker's, must light a message of the flow's diagram
 * or be reported as unexpected; a clean run leaves nothing unexpected and nothing required undone.
 */
const origin = inject('labOrigin');
const diagramsFolder = new URL('../../diagrams/', import.meta.url);
const diagrams = new Map<string, FlowDiagram>(
  readdirSync(diagramsFolder)
    .filter((name) => name.endsWith('.mmd'))
    .map((name) => [name.slice(0, -4), parseDiagram(name.slice(0, -4), readFileSync(new URL(name, diagramsFolder), 'utf8'))]),
);
const endpoint = (transport: Transport) => `${origin}/${transport === 'sse' ? 'sse' : 'mcp'}`;

/**
 * One browser: a cookie jar (the trace cookie, then the sign-in), the page's fetches, the
 * window's navigations, and the trace stream the Worker fills with what it saw.
 */
class LabBrowser {
  readonly jar = new CookieJar();
  readonly fromWorker = new Map<string, CapturedExchange>();
  navigations = 0;
  traceId = '';

  /** The page's fetch: same origin, so cookies go along, and Origin on anything but GET, as browsers do. */
  readonly pageFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', this.jar.header());
    if (init?.method && init.method !== 'GET') headers.set('origin', origin);
    const response = await fetch(input, { ...init, headers });
    this.jar.store(response);
    return response;
  };

  /**
   * A top-level navigation, as the browser makes it: `Sec-Fetch-Mode: navigate` tells the Worker
   * to record it. fetch() cannot send that (undici replaces it with `cors`), so this uses
   * undici's lower-level request, which sends headers as given and never follows redirects.
   */
  readonly navigate: typeof fetch = async (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers));
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const answer = await request(String(input), {
      method: (init?.method ?? 'GET') as 'GET',
      headers: { ...headers, cookie: this.jar.header(), 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...(body !== undefined && { origin }) },
      body,
    });
    this.navigations++;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) for (const one of [value ?? []].flat()) responseHeaders.append(name, one);
    const text = await answer.body.text();
    const response = new Response(answer.statusCode === 204 || answer.statusCode === 304 ? null : text, { status: answer.statusCode, headers: responseHeaders });
    this.jar.store(response);
    return response;
  };

  async startTrace(): Promise<void> {
    const jar = this.jar;
    // The browser sends its cookies and its Origin with the WebSocket handshake; Node's needs telling.
    class BrowserWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie: jar.header(), origin } } as never);
      }
    }
    const started = await startTrace(origin, this.pageFetch, BrowserWebSocket);
    if (!started.ok) throw new Error(`no trace: ${started.reason}`);
    this.traceId = started.trace.traceId;
    started.trace.on((exchange) => this.fromWorker.set(exchange.id, exchange));
  }

  /** The user in the authorization window: the real sign-in and consent pages, then the callback. */
  authorizeAs(user: HeadlessUserOptions = {}) {
    return async (url: URL): Promise<URL> => {
      const outcome = await authorizeAsUser(url, this.jar, { userName: 'flow-learner', ...user, fetch: this.navigate });
      if (!outcome.location) throw new Error(`the authorization ended on a page: HTTP ${outcome.page?.status}\n${outcome.page?.body.slice(0, 300)}`);
      await this.navigate(outcome.location); // the browser loads the page's callback
      return new URL(outcome.location);
    };
  }

  /** Every navigation has been recorded and streamed (recording happens after each response). */
  async settled(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.fromWorker.size < this.navigations) {
      if (Date.now() > deadline) {
        const seen = [...this.fromWorker.values()].map((exchange) => `${exchange.method} ${exchange.url} ${exchange.status}`);
        throw new Error(`the Worker streamed ${this.fromWorker.size} of ${this.navigations} navigations:\n${seen.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

interface Session {
  browser: LabBrowser;
  run: FlowRun;
  events: FlowEvent[];
}

async function runFlow(config: Partial<FlowConfig> & { transport: Transport; registration: Registration }, user?: HeadlessUserOptions): Promise<Session> {
  const browser = new LabBrowser();
  await browser.startTrace();
  const run = createFlowRun(
    { serverUrl: endpoint(config.transport), ...config },
    { fetch: browser.pageFetch, now: Date.now, traceId: browser.traceId, authorize: browser.authorizeAs(user) },
  );
  const events: FlowEvent[] = [];
  run.on((event) => events.push(event));
  await run.run();
  await browser.settled();
  return { browser, run, events };
}

const pageExchanges = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'exchange' ? [event.exchange] : []));
const failuresOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'failure' ? [event.failure] : []));
const checksOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'check' ? [`${event.check.id}:${event.check.ok}`] : []));
const outcomeOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'finished' ? [event.outcome] : []));

/** What the player would draw: each part of the run (main flow, on-demand actions) on its own diagram. */
function pictureOf({ browser, run, events }: Session) {
  const all = orderExchanges([...pageExchanges(events), ...browser.fromWorker.values()]);
  const parts = new Map<string, CapturedExchange[]>();
  for (const exchange of all) {
    const id = diagramIdFor(run.config.transport, partOf(events, exchange));
    parts.set(id, [...(parts.get(id) ?? []), exchange]);
  }
  const assignments = new Map<string, Assignment>([...parts].map(([id, exchanges]) => [id, assign(diagrams.get(id)!, exchanges)]));
  // Never silently dropped: every exchange lit a step or is listed as unexpected.
  for (const [id, assignment] of assignments) {
    expect(Object.keys(assignment.stepOf).length + assignment.unexpected.length, id).toBe(parts.get(id)!.length);
  }
  expect([...parts.values()].flat()).toHaveLength(all.length);
  return { all, assignments };
}

/** A clean part: nothing unexpected, every required step done, every optional one done or skipped. */
function expectClean(assignment: Assignment, diagram: FlowDiagram) {
  const describeUnexpected = assignment.unexpected.map((exchange) => `${exchange.channel} ${exchange.method} ${exchange.url} ${exchange.status}`);
  expect(describeUnexpected, 'unexpected exchanges').toEqual([]);
  for (const step of diagram.steps) {
    expect(step.optional ? ['done', 'skipped'] : ['done'], `${diagram.id}: ${step.id} is ${assignment.states[step.id]}`).toContain(assignment.states[step.id]);
  }
}

describe.each<Transport>(['streamable-http', 'sse'])('the flow engine over %s', (transport) => {
  const mainId = diagramIdFor(transport, 'main');

  test.each<Registration>(['dcr', 'preregistered'])('%s: a clean run lights every message with real exchanges from both sides', async (registration) => {
    const session = await runFlow({ transport, registration });
    const { events, browser } = session;
    expect(failuresOf(events)).toEqual([]);
    expect(outcomeOf(events)).toEqual(['success']);
    expect(checksOf(events)).toEqual(['audience:true', 'issuer-match:true', 's256-advertised:true', 'state:true', 'iss:true', 'resource-sent:true']);

    const { assignments } = pictureOf(session);
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
    const main = pictureOf(session).assignments.get(mainId)!;
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
    const main = pictureOf(session).assignments.get(mainId)!;
    const tokenExchanges = pageExchanges(events).filter((exchange) => exchange.url === `${origin}/oauth/token`);

    switch (sabotage) {
      case 'wrong-verifier':
        expect(failure.serverSaid).toBe('{"error":"invalid_grant","error_description":"Invalid PKCE code_verifier"}');
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
        expect(JSON.parse(failure.serverSaid!)).toEqual({ error: 'invalid_grant', error_description: 'Authorization code already used' });
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
    const main = pictureOf(session).assignments.get(mainId)!;
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

    const { assignments } = pictureOf(session);
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
