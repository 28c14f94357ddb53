import { request } from 'undici';
import { AUTH_OPTIONS, serverUrlFor, type AuthOptionId } from '../../site/flow/auth-options';
import { createFlowRun } from '../../site/flow/engine';
import { startTrace, type TraceConnection } from '../../site/flow/trace-client';
import type { CapturedExchange, FlowRun } from '../../site/flow/types';
import { PlaygroundClient, type CallOutcome } from '../../site/playground/call-client';
import { authorizeAsUser, CookieJar } from '../support/headless-user.ts';
import type { LoadRevision, LoadTransport } from './options.ts';

/**
 * One simulated learner at /lab: what the page does when a learner presses Run and then plays
 * with the tools, done by the site's own code (the flow engine, the trace client, the tool
 * playground's client) with a browser that has no window:
 *   1. POST /lab/traces and the trace's event stream (a WebSocket), as the player opens them;
 *   2. the main flow: 401, discovery, registration (DCR, the page's default), authorization in the
 *      "window" (the headless user at the real sign-in, consent and provider pages), token,
 *      initialize (or server/discover), tools/list, the option's own tool;
 *   3. step-up: save_note, 403 insufficient_scope, authorization again with mcp:write, save_note;
 *   4. refresh, where the option has it (not 3b: the provider issues no refresh tokens);
 *   5. the tool playground: tools/list, add, save_note with a tag;
 *   6. every navigation of the window recorded by the Worker and streamed back on the trace.
 * This file imports the site's modules without extensions, as Vite does: run.ts registers a
 * resolver for that before importing it.
 */
export interface LearnerPlan {
  index: number;
  option: AuthOptionId;
  transport: LoadTransport;
  revision: LoadRevision;
  userName: string;
}

export interface LearnerError {
  /** Where it failed: `flow: token`, `step-up`, `playground: add`, `trace: events`, … */
  kind: string;
  message: string;
}

export interface LearnerResult {
  plan: LearnerPlan;
  errors: LearnerError[];
  /** The window's navigations (each one the Worker records on the trace). */
  navigations: number;
  /** Exchanges the trace's stream delivered: the window's navigations (front) and the Worker's own calls (back). */
  streamed: { front: number; back: number };
  ms: number;
}

/** How long a learner waits for the Worker's record of its navigations once the run is over. */
const TRACE_SETTLE_MS = 20_000;

/**
 * A browser without a window: one cookie jar for the page and its sign-in window, the page's
 * fetch (same origin: cookies go along, and Origin on anything but GET), and the window's
 * navigations. The same browser as tests/interop/flow-engine-support.ts's LabBrowser, which cannot
 * be imported here (it lives in a vitest module); kept to what the load needs.
 */
class LearnerBrowser {
  readonly origin: string;
  readonly jar = new CookieJar();
  navigations = 0;

  constructor(origin: string) {
    this.origin = origin;
  }

  readonly pageFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', this.jar.header());
    if (init?.method && init.method !== 'GET') headers.set('origin', this.origin);
    const response = await fetch(input, { ...init, headers });
    this.jar.store(response);
    return response;
  };

  /**
   * A top-level navigation: `Sec-Fetch-Mode: navigate` is what tells the Worker to record it on
   * the trace. fetch() cannot send that header (undici replaces it), so this uses undici's
   * `request`, which sends headers as given and never follows redirects.
   */
  readonly navigate: typeof fetch = async (input, init) => {
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const answer = await request(String(input), {
      method: (init?.method ?? 'GET') as 'GET',
      headers: {
        ...Object.fromEntries(new Headers(init?.headers)),
        cookie: this.jar.header(),
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
        ...(body !== undefined && { origin: this.origin }),
      },
      body,
    });
    this.navigations++;
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) for (const one of [value ?? []].flat()) headers.append(name, one);
    const text = await answer.body.text();
    const response = new Response(answer.statusCode === 204 || answer.statusCode === 304 ? null : text, { status: answer.statusCode, headers });
    this.jar.store(response);
    return response;
  };

  /** The trace, as the player opens it: the browser sends its cookie and Origin with the WebSocket handshake. */
  async startTrace(): Promise<TraceConnection> {
    const { jar, origin } = this;
    class BrowserWebSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie: jar.header(), origin } } as never);
      }
    }
    const started = await startTrace(origin, this.pageFetch, BrowserWebSocket);
    if (!started.ok) throw new Error(started.reason);
    return started.trace;
  }

  /** The user in the sign-in window: the real pages, then the page's callback, loaded as the browser would. */
  async authorize(url: URL, userName: string): Promise<URL> {
    const outcome = await authorizeAsUser(url, this.jar, { userName, fetch: this.navigate });
    if (!outcome.location) throw new Error(`the authorization ended on a page: HTTP ${outcome.page?.status} ${outcome.page?.body.slice(0, 200)}`);
    await this.navigate(outcome.location);
    return new URL(outcome.location);
  }
}

/** What went wrong with a playground call, or null when the tool answered with a result. */
function callProblem(outcome: CallOutcome): string | null {
  const result = outcome.reply?.result as { isError?: boolean; content?: { text?: string }[] } | undefined;
  if (result && result.isError !== true) return null;
  if (result?.isError) return `tool error: ${result.content?.map((part) => part.text).join(' ')}`;
  if (outcome.reply?.error) return `JSON-RPC error ${outcome.reply.error.code}: ${outcome.reply.error.message}`;
  return `HTTP ${outcome.status ?? 'no answer'}${outcome.problem ? `: ${outcome.problem}` : ''}`;
}

export async function runLearner(origin: string, plan: LearnerPlan, signal: AbortSignal): Promise<LearnerResult> {
  const started = performance.now();
  const errors: LearnerError[] = [];
  const browser = new LearnerBrowser(origin);
  const fromWorker = new Map<string, CapturedExchange>();
  let trace: TraceConnection | null = null;
  let run: FlowRun | null = null;
  let playground: PlaygroundClient | null = null;
  const stop = () => {
    run?.cancel();
    playground?.close();
    trace?.close();
  };
  signal.addEventListener('abort', stop, { once: true });

  try {
    if (signal.aborted) throw new Error('not started: the time bound had passed');
    try {
      trace = await browser.startTrace();
      trace.on((exchange) => fromWorker.set(exchange.id, exchange));
    } catch (error) {
      errors.push({ kind: 'trace: start', message: error instanceof Error ? error.message : String(error) });
      return finish();
    }

    const serverUrl = serverUrlFor(origin, plan.option, plan.transport);
    run = createFlowRun(
      { serverUrl, transport: plan.transport, revision: plan.revision, registration: 'dcr', toolCall: AUTH_OPTIONS[plan.option].toolCall },
      { fetch: browser.pageFetch, now: Date.now, traceId: trace.traceId, authorize: (url) => browser.authorize(url, plan.userName) },
    );
    let action = '';
    let outcome = '';
    run.on((event) => {
      if (event.type === 'action' && event.phase === 'start') action = event.action;
      if (event.type === 'failure') errors.push({ kind: `flow: ${action}`, message: [event.failure.id ?? event.failure.title, event.failure.serverSaid].filter(Boolean).join(': ') });
      if (event.type === 'finished') outcome = event.outcome;
    });
    await run.run();
    if (outcome !== 'success') {
      if (!errors.length) errors.push({ kind: `flow: ${action}`, message: outcome || 'did not finish' });
      return finish();
    }

    // On demand, as a learner does after the flow: more scope (save_note), then a fresh token.
    for (const part of ['step-up', 'refresh'] as const) {
      if (!AUTH_OPTIONS[plan.option].onDemand.includes(part)) continue;
      const result = await run.perform(part);
      if (result !== 'success' && !errors.some((error) => error.kind === `flow: ${part}`)) errors.push({ kind: `flow: ${part}`, message: result });
      if (result !== 'success') return finish();
    }

    // The tool playground, with the run's newest token.
    const token = run.kept()?.tokens.access_token ?? null;
    playground = new PlaygroundClient({ serverUrl, transport: plan.transport, revision: plan.revision, traceId: trace.traceId, record: () => {} });
    const listed = await playground.listTools(token ?? '');
    if (!listed.tools) errors.push({ kind: 'playground: tools/list', message: callProblem(listed.outcome) ?? listed.outcome.problem ?? 'no tools' });
    const calls = [
      { name: 'add', arguments: { a: plan.index, b: 1 } },
      { name: 'save_note', arguments: { text: `Load-test note from ${plan.userName}.`, tag: 'idea' } },
    ];
    for (const [id, call] of calls.entries()) {
      const text = JSON.stringify({ jsonrpc: '2.0', id: `load-${id}`, method: 'tools/call', params: call });
      const problem = callProblem(await playground.call(text, token, () => {}).done);
      if (problem) errors.push({ kind: `playground: ${call.name}`, message: problem });
    }

    // The Worker records each navigation after answering it: wait until the trace has delivered them all.
    const deadline = Date.now() + TRACE_SETTLE_MS;
    while (!signal.aborted && frontCount() < browser.navigations && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (frontCount() < browser.navigations) errors.push({ kind: 'trace: events', message: `${frontCount()} of ${browser.navigations} navigations streamed back within ${TRACE_SETTLE_MS / 1000} s` });
  } catch (error) {
    errors.push({ kind: signal.aborted ? 'cancelled at the time bound' : 'unexpected', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  return finish();

  function frontCount() {
    return [...fromWorker.values()].filter((exchange) => exchange.channel === 'front').length;
  }

  function finish(): LearnerResult {
    signal.removeEventListener('abort', stop);
    if (signal.aborted && !errors.length) errors.push({ kind: 'cancelled at the time bound', message: 'the run was stopped before this learner finished' });
    stop();
    const streamed = [...fromWorker.values()];
    return {
      plan,
      errors,
      navigations: browser.navigations,
      streamed: { front: streamed.filter((exchange) => exchange.channel === 'front').length, back: streamed.filter((exchange) => exchange.channel === 'back').length },
      ms: performance.now() - started,
    };
  }
}
