import type { FlowStep, OnDemandAction, StepState } from '../flow/types';

/** The one line beside the controls that says what the player is doing and what to do next. Pure. */
export type Phase = 'idle' | 'starting' | 'running' | 'paused' | 'success' | 'failed' | 'cancelled';

export interface StatusInput {
  phase: Phase;
  onDemand: OnDemandAction | null;
  /** The engine action in progress or last started (e.g. `authorize`). */
  currentAction: string | null;
  nextAction: string | null;
  steps: FlowStep[];
  states: Map<string, StepState> | undefined;
  /** What the user does in the sign-in window for this auth option (site/flow/auth-options.ts). */
  inWindow?: string;
  /** The page whose kept authorization this run goes on from, if it does. */
  resumedFrom?: string;
}

const ON_DEMAND: Record<OnDemandAction, string> = {
  refresh: 'Refreshing the token…',
  'step-up': 'Stepping up: the server wants mcp:write for save_note. Approve it in the sign-in window.',
  revoke: 'Revoking the grant…',
  attack: 'The attacker is trying it: watch which request the server refuses…',
};

export function statusText({ phase, onDemand, currentAction, nextAction, steps, states, inWindow = 'sign in, then Allow or Deny.', resumedFrom }: StatusInput): string {
  if (onDemand) return ON_DEMAND[onDemand];
  const reached = steps.filter((step) => states?.get(step.id) === 'done').at(-1);
  switch (phase) {
    case 'idle':
      return 'Press Run to play the whole flow, or Step to go one request at a time. Sign-in opens in a small window.';
    case 'starting':
      return 'Starting a trace: the Worker will record what this page cannot see…';
    case 'running': {
      if (currentAction === 'authorize') return `Waiting for you in the sign-in window: ${inWindow}`;
      const active = steps.find((step) => states?.get(step.id) === 'active');
      return active ? `Running step ${active.index + 1}: ${active.label}` : 'Running…';
    }
    case 'paused':
      return `Paused${reached ? ` after step ${reached.index + 1} of ${steps.length}` : ''}. Next: ${nextAction ?? 'nothing'}. Press Step for one more request, or Continue.`;
    case 'success':
      if (resumedFrom) {
        return `Going on from the authorization you got on “${resumedFrom}”: discovery, registration and sign-in happened there, so their messages stay grey here. This run only connected with the kept token.`;
      }
      // A real provider's pages are on another site: the run went through them, the lab could not record them.
      if (steps.some((step) => !step.optional && states?.get(step.id) === 'pending')) {
        return 'Done. The messages still grey happened on another site, which the lab cannot record; every other step has the real request behind it.';
      }
      return 'Done: every step happened, each with the real request behind it. Select any message to inspect it.';
    case 'failed': {
      const failed = steps.find((step) => states?.get(step.id) === 'error');
      return failed
        ? `Stopped at step ${failed.index + 1} of ${steps.length}, marked in red: the inspector shows what the server said and why.`
        : 'Stopped by a failure: see the explanation above.';
    }
    case 'cancelled':
      return 'Cancelled.';
  }
}
