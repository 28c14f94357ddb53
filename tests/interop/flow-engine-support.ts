import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { assign, orderExchanges, partOf, type Assignment } from '../../site/flow/assign';
import { AUTH_OPTIONS, serverUrlFor, type AuthOptionId } from '../../site/flow/auth-options';
import { diagramIdFor, parseDiagram } from '../../site/flow/diagram';
import { createFlowRun } from '../../site/flow/engine';
import type { CapturedExchange, FlowConfig, FlowDiagram, FlowEvent, FlowRun, Registration, Transport } from '../../site/flow/types';
import type { HeadlessUserOptions } from '../support/headless-user.ts';
import { LabBrowser } from '../support/lab-browser.ts';

/**
 * The flow engine in Node, against the production build (flow-engine*.test.ts): its host (a
 * browser without a browser, ../support/lab-browser.ts), a run, and the picture the player would
 * draw of it.
 */

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
