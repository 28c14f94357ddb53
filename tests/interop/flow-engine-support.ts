import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'undici';
import { expect } from 'vitest';
import { assign, orderExchanges, partOf, type Assignment } from '../../site/flow/assign';
import { AUTH_OPTIONS, serverUrlFor, type AuthOptionId } from '../../site/flow/auth-options';
import { diagramIdFor, parseDiagram } from '../../site/flow/diagram';
import { createFlowRun } from '../../site/flow/engine';
import { startTrace, withAttackerTag } from '../../site/flow/trace-client';
import type { CapturedExchange, FlowConfig, FlowDiagram, FlowEvent, FlowRun, ForeignRequest, Registration, Transport } from '../../site/flow/types';
import { CLIENT_ADDRESS_HEADER, newClientAddress } from '../support/client-address.ts';
import { authorizeAsUser, CookieJar, type HeadlessUserOptions } from '../support/headless-user.ts';

/**
 * The flow engine in Node, against the production build (flow-engine*.test.ts): its host (a
 * browser without a browser), a run, and the picture the player would draw of it.
 *
 * One browser: a cookie jar (the trace
 * cookie, then the sign-ins), the page's fetches, the window's navigations, and the trace stream
 * the Worker fills with what it saw.
 */
export class LabBrowser {
  constructor(readonly origin: string) {}

  readonly jar = new CookieJar();
  /** Where this browser is on the network: the Worker counts registrations and traces per address. */
  readonly address = newClientAddress();
  readonly fromWorker = new Map<string, CapturedExchange>();
  readonly #workerListeners = new Set<(exchange: CapturedExchange) => void>();
  navigations = 0;
  traceId = '';
  attackerTag = '';

  /** The page's fetch: same origin, so cookies go along, and Origin on anything but GET, as browsers do. */
  readonly pageFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', this.jar.header());
    headers.set(CLIENT_ADDRESS_HEADER, this.address);
    if (init?.method && init.method !== 'GET') headers.set('origin', this.origin);
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
      headers: { ...headers, cookie: this.jar.header(), [CLIENT_ADDRESS_HEADER]: this.address, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...(body !== undefined && { origin: this.origin }) },
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
    const { jar, origin } = this;
    // The browser sends its cookies and its Origin with the WebSocket handshake; Node's needs telling.
    class BrowserWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie: jar.header(), origin } } as never);
      }
    }
    const started = await startTrace(origin, this.pageFetch, BrowserWebSocket);
    if (!started.ok) throw new Error(`no trace: ${started.reason}`);
    this.traceId = started.trace.traceId;
    this.attackerTag = started.trace.attackerTag ?? '';
    started.trace.on((exchange) => {
      this.fromWorker.set(exchange.id, exchange);
      this.#workerListeners.forEach((listener) => listener(exchange));
    });
  }

  /** What the Worker recorded, the backlog first, then live (the engine's `workerRecords`). */
  readonly workerRecords = (listener: (exchange: CapturedExchange) => void): (() => void) => {
    this.fromWorker.forEach((exchange) => listener(exchange));
    this.#workerListeners.add(listener);
    return () => this.#workerListeners.delete(listener);
  };

  /**
   * A page of another origin, as a sandboxed frame is in Chromium (the player's
   * site/player/foreign-page.ts, which tests/e2e runs): `Origin: null`, no cookie, the trace's
   * attacker tag in the query; a request with a Content-Type no form could send is preceded by the
   * browser's preflight, and sent only if the server grants it; the page never reads an answer
   * unless the server grants that too.
   */
  readonly foreignPage = async (url: string, init: ForeignRequest): Promise<string> => {
    const tagged = withAttackerTag(url, this.attackerTag);
    const type = init.headers['Content-Type'] ?? 'text/plain';
    const safelisted = /^(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)\b/.test(type);
    if (init.mode === 'no-cors' && !safelisted) throw new Error('a no-cors request cannot carry that Content-Type');
    if (init.mode === 'cors' && !safelisted) {
      const preflight = await fetch(tagged, {
        method: 'OPTIONS',
        headers: { origin: 'null', [CLIENT_ADDRESS_HEADER]: this.address, 'access-control-request-method': init.method, 'access-control-request-headers': Object.keys(init.headers).map((name) => name.toLowerCase()).sort().join(',') },
      });
      await preflight.arrayBuffer();
      if (!preflight.ok || preflight.headers.get('access-control-allow-origin') !== 'null') return 'TypeError: Failed to fetch';
    }
    const response = await fetch(tagged, { method: init.method, headers: { ...init.headers, origin: 'null', [CLIENT_ADDRESS_HEADER]: this.address }, body: init.body });
    await response.arrayBuffer();
    if (init.mode === 'no-cors') return 'an opaque response: the browser hides its status and body';
    return response.headers.get('access-control-allow-origin') === 'null' ? `HTTP ${response.status}` : 'TypeError: Failed to fetch';
  };

  /** The user in the authorization window: the real sign-in and consent pages, then the callback. */
  authorizeAs(user: HeadlessUserOptions = {}) {
    return async (url: URL): Promise<URL> => {
      const outcome = await authorizeAsUser(url, this.jar, { userName: 'flow-learner', ...user, fetch: this.navigate });
      if (!outcome.location) throw new Error(`the authorization ended on a page: HTTP ${outcome.page?.status}\n${outcome.page?.body.slice(0, 300)}`);
      await this.navigate(outcome.location); // the browser loads the page's callback
      return new URL(outcome.location);
    };
  }

  /**
   * Every navigation has been recorded and streamed (recording happens after each response), and
   * `ready` holds: the Worker's back-channel calls are recorded beside the navigation that made
   * them, in no fixed order, so a test that expects some waits for them by name.
   */
  async settled(ready: (fromWorker: CapturedExchange[]) => boolean = () => true): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const seen = [...this.fromWorker.values()];
      if (seen.filter((exchange) => exchange.channel === 'front').length >= this.navigations && ready(seen)) return;
      if (Date.now() > deadline) {
        const list = seen.map((exchange) => `${exchange.channel} ${exchange.method} ${exchange.url} ${exchange.status}`);
        throw new Error(`the Worker streamed ${seen.length} exchanges for ${this.navigations} navigations, or not those awaited:\n${list.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const diagramsFolder = new URL('../../diagrams/', import.meta.url);
export const diagrams = new Map<string, FlowDiagram>(
  readdirSync(diagramsFolder)
    .filter((name) => name.endsWith('.mmd'))
    .map((name) => [name.slice(0, -4), parseDiagram(name.slice(0, -4), readFileSync(new URL(name, diagramsFolder), 'utf8'))]),
);

export interface Session {
  browser: LabBrowser;
  run: FlowRun;
  events: FlowEvent[];
  option: AuthOptionId;
}

export type RunConfig = Partial<FlowConfig> & { transport: Transport; registration: Registration; option?: AuthOptionId };

/** Starts a trace, runs the whole main flow of an option (default: option 1) as a user, and waits for the Worker's record of every navigation. */
export async function runFlow(origin: string, config: RunConfig, user?: HeadlessUserOptions): Promise<Session> {
  const { option = 'worker', ...flow } = config;
  const browser = new LabBrowser(origin);
  await browser.startTrace();
  const run = createFlowRun(
    { serverUrl: serverUrlFor(origin, option, flow.transport), toolCall: AUTH_OPTIONS[option].toolCall, ...flow },
    { fetch: browser.pageFetch, now: Date.now, traceId: browser.traceId, authorize: browser.authorizeAs(user), workerRecords: browser.workerRecords, foreignPage: browser.foreignPage },
  );
  const events: FlowEvent[] = [];
  run.on((event) => events.push(event));
  await run.run();
  await browser.settled();
  return { browser, run, events, option };
}

export const pageExchanges = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'exchange' ? [event.exchange] : []));
export const failuresOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'failure' ? [event.failure] : []));
export const checksOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'check' ? [`${event.check.id}:${event.check.ok}`] : []));
export const outcomeOf = (events: FlowEvent[]) => events.flatMap((event) => (event.type === 'finished' ? [event.outcome] : []));

export interface Picture {
  all: CapturedExchange[];
  /** The exchanges of each part of the run, by the diagram that draws it. */
  parts: Map<string, CapturedExchange[]>;
  assignments: Map<string, Assignment>;
}

/** What the player would draw: each part of the run (main flow, on-demand actions) on its own diagram. */
export function pictureOf({ browser, run, events, option }: Session): Picture {
  const all = orderExchanges([...pageExchanges(events), ...browser.fromWorker.values()]);
  const parts = new Map<string, CapturedExchange[]>();
  for (const exchange of all) {
    const id = diagramIdFor(run.config.transport, partOf(events, exchange), option, run.config.revision);
    parts.set(id, [...(parts.get(id) ?? []), exchange]);
  }
  const assignments = new Map<string, Assignment>([...parts].map(([id, exchanges]) => [id, assign(diagrams.get(id)!, exchanges)]));
  return { all, parts, assignments };
}

/** Never silently dropped: every exchange lit a step or is listed as unexpected. */
export function expectNothingDropped({ all, parts, assignments }: Picture): void {
  for (const [id, assignment] of assignments) {
    expect(Object.keys(assignment.stepOf).length + assignment.unexpected.length, id).toBe(parts.get(id)!.length);
  }
  expect([...parts.values()].flat()).toHaveLength(all.length);
}

const requiredDone = (assignment: Assignment, diagram: FlowDiagram) => diagram.steps.every((step) => step.optional || assignment.states[step.id] === 'done');

const everyRequiredDone = (picture: Picture) => [...picture.assignments].every(([id, assignment]) => requiredDone(assignment, diagrams.get(id)!));

/**
 * The picture once `ready` holds: by default, once every required message of every part is lit.
 * The Worker records its own calls beside the request that made them, after it answered (a tool's
 * call to a provider arrives after the page has the tool's result), so they are awaited, not
 * assumed. Gives up after 10 s and returns the picture as it is, for the assertions to say what
 * is missing. A failed run passes what it expects to see lit.
 */
export async function settledPicture(session: Session, ready: (picture: Picture) => boolean = everyRequiredDone): Promise<Picture> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const picture = pictureOf(session);
    if (ready(picture) || Date.now() > deadline) return picture;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ready once these steps of the main diagram are no longer pending. */
export const lit = (diagramId: string, ...steps: string[]) => (picture: Picture) =>
  steps.every((step) => (picture.assignments.get(diagramId)?.states[step] ?? 'pending') !== 'pending');

/** A clean part: nothing unexpected, every required step done, every optional one done or skipped. */
export function expectClean(assignment: Assignment, diagram: FlowDiagram): void {
  const describeUnexpected = assignment.unexpected.map((exchange) => `${exchange.channel} ${exchange.from}→${exchange.to} ${exchange.method} ${exchange.url} ${exchange.status}`);
  expect(describeUnexpected, 'unexpected exchanges').toEqual([]);
  for (const step of diagram.steps) {
    expect(step.optional ? ['done', 'skipped'] : ['done'], `${diagram.id}: ${step.id} is ${assignment.states[step.id]}`).toContain(assignment.states[step.id]);
  }
}
