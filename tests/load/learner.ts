import { AUTH_OPTIONS, serverUrlFor, type AuthOptionId } from '../../site/flow/auth-options';
import { createFlowRun } from '../../site/flow/engine';
import type { TraceConnection } from '../../site/flow/trace-client';
import type { FlowRun } from '../../site/flow/types';
import { PlaygroundClient, type CallOutcome } from '../../site/playground/call-client';
import { LabBrowser } from '../support/lab-browser.ts';
import type { LoadRevision, LoadTransport } from './options.ts';

/**
 * One simulated learner at /lab: what the page does when a learner presses Run and then plays
 * with the tools, done by the site's own code (the flow engine, the trace client, the tool
 * playground's client) with a browser that has no window (tests/support/lab-browser.ts, the
 * interop tests' too):
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
  /** The learner's own client address (CF-Connecting-IP): learner-network.ts puts it on every request the learner makes. */
  address: string;
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
  // The browser sends the learner's address on its own requests; learner-network.ts sets the same
  // one on every request (replacing the browser's), the tool playground's and the WebSocket's too.
  const browser = new LabBrowser(origin, plan.address);
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
    } catch (error) {
      errors.push({ kind: 'trace: start', message: error instanceof Error ? error.message : String(error) });
      return finish();
    }

    const serverUrl = serverUrlFor(origin, plan.option, plan.transport);
    run = createFlowRun(
      { serverUrl, transport: plan.transport, revision: plan.revision, registration: 'dcr', toolCall: AUTH_OPTIONS[plan.option].toolCall },
      { fetch: browser.pageFetch, now: Date.now, traceId: trace.traceId, authorize: browser.authorizeAs({ userName: plan.userName }) },
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
    while (!signal.aborted && browser.streamedNavigations() < browser.navigations && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (browser.streamedNavigations() < browser.navigations) errors.push({ kind: 'trace: events', message: `${browser.streamedNavigations()} of ${browser.navigations} navigations streamed back within ${TRACE_SETTLE_MS / 1000} s` });
  } catch (error) {
    errors.push({ kind: signal.aborted ? 'cancelled at the time bound' : 'unexpected', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  return finish();

  function finish(): LearnerResult {
    signal.removeEventListener('abort', stop);
    if (signal.aborted && !errors.length) errors.push({ kind: 'cancelled at the time bound', message: 'the run was stopped before this learner finished' });
    stop();
    const streamed = [...browser.fromWorker.values()];
    return {
      plan,
      errors,
      navigations: browser.navigations,
      streamed: { front: streamed.filter((exchange) => exchange.channel === 'front').length, back: streamed.filter((exchange) => exchange.channel === 'back').length },
      ms: performance.now() - started,
    };
  }
}
