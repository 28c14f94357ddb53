import { recognises, type Assignment } from '../flow/assign';
import type { CapturedExchange, FlowDiagram, FlowFailure, FlowStep, StepState } from '../flow/types';

/**
 * The player's view of a run on one diagram: the matcher's assignment (site/flow/assign.ts),
 * completed with what only the run knows. Pure.
 *   - A failure marks a message `error` even when its exchange matched no step (a replayed code,
 *     the same request as the token step), or when there was no exchange at all (a closed sign-in
 *     window, a callback whose state does not match): see `failedStep`.
 *   - When the run is over, nothing is `active`, and optional steps that never happened are `skipped`.
 */
export interface Board {
  states: Map<string, StepState>;
  /** Exchanges behind each step (including a failed request matched by kind only). */
  exchangesOf: Map<string, CapturedExchange[]>;
  unexpected: CapturedExchange[];
  failedStepId: string | null;
}

export interface BoardInput {
  diagram: FlowDiagram;
  assignment: Assignment;
  exchanges: Map<string, CapturedExchange>;
  outcome: 'running' | 'paused' | 'success' | 'failed' | 'cancelled' | null;
  failure: FlowFailure | null;
  /** The engine action that was running when the failure came (e.g. `authorize`). */
  failedAction: string | null;
  /** The steps up to this one happened before this run, on another page (see `assign`). */
  after?: string;
}

/**
 * Failures that belong to a message other than the exchange that reported them. Checks are made on
 * a response the client already has: the step that brought it is the one that failed. A provider
 * failure reaches the client on its callback, but happened at the Worker: its code exchange with
 * the provider, or its check of the ID token when the browser came back from the provider.
 */
const FAILURE_STEPS: Record<string, string> = {
  'check-state': 'callback',
  'check-iss': 'callback',
  'check-issuer-match': 'as-metadata',
  'check-s256': 'as-metadata',
  'check-audience': 'resource-metadata',
  'check-resource-sent': 'token',
  'check-token-audience': 'token',
  'upstream-unavailable': 'code-exchange',
  'upstream-refused': 'code-exchange',
  'id-token-rejected': 'provider-callback',
};

export function buildBoard(input: BoardInput): Board {
  const { diagram, assignment, exchanges, outcome, failure } = input;
  const states = new Map<string, StepState>(diagram.steps.map((step) => [step.id, assignment.states[step.id] ?? 'pending']));
  const exchangesOf = new Map<string, CapturedExchange[]>(
    diagram.steps.map((step) => [step.id, (assignment.exchangesOf[step.id] ?? []).map((id) => exchanges.get(id)).filter((exchange) => exchange !== undefined)]),
  );
  let unexpected = assignment.unexpected;
  let failedStepId: string | null = null;

  if (failure) {
    const failedExchange = failure.exchangeId ? exchanges.get(failure.exchangeId) : undefined;
    if (failedExchange && !assignment.stepOf[failedExchange.id]) {
      // Recognised by kind, refused by the server: draw it on its message rather than as unexpected.
      const step = diagram.steps.find((candidate) => recognises(candidate, failedExchange));
      if (step) {
        exchangesOf.get(step.id)!.push(failedExchange);
        unexpected = unexpected.filter((exchange) => exchange.id !== failedExchange.id);
      }
    }
    failedStepId = failedStep(diagram, states, exchangesOf, failure, input.failedAction);
    if (failedStepId) states.set(failedStepId, 'error');
  }
  if (outcome !== 'running') {
    for (const [id, state] of states) if (state === 'active') states.set(id, 'pending');
  }
  if (outcome === 'success') {
    // Steps that happened on another page stay pending: this run cannot say which optional ones they took.
    const elsewhere = diagram.steps.findIndex((step) => step.id === input.after);
    for (const step of diagram.steps.slice(elsewhere + 1)) if (step.optional && states.get(step.id) === 'pending') states.set(step.id, 'skipped');
  }
  return { states, exchangesOf, unexpected, failedStepId };
}

function failedStep(
  diagram: FlowDiagram,
  states: Map<string, StepState>,
  exchangesOf: Map<string, CapturedExchange[]>,
  failure: FlowFailure,
  action: string | null,
): string | null {
  const has = (id: string | undefined) => (id && diagram.steps.some((step) => step.id === id) ? id : null);
  if (failure.exchangeId) {
    for (const [id, list] of exchangesOf) if (list.some((exchange) => exchange.id === failure.exchangeId)) return id;
  }
  const checked = has(FAILURE_STEPS[failure.id ?? '']);
  if (checked) return checked;
  const notDone = (step: FlowStep) => !step.optional && states.get(step.id) !== 'done';
  if (failure.id === 'popup-blocked' || failure.id === 'window-closed') {
    // The browser never got there, or never came back: the first front-channel message missing.
    return diagram.steps.find((step) => step.match.channel === 'front' && notDone(step))?.id ?? null;
  }
  // An error the authorization server sent back to the callback (access_denied, invalid_scope…).
  if (action === 'authorize' && has('callback')) return 'callback';
  return diagram.steps.find(notDone)?.id ?? null;
}

/** The steps whose state changed, in diagram order, for announcements. */
export function changedSteps(steps: FlowStep[], before: Map<string, StepState>, after: Map<string, StepState>): FlowStep[] {
  return steps.filter((step) => before.get(step.id) !== after.get(step.id));
}
