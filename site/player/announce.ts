import type { FlowStep, StepState } from '../flow/types';

/**
 * What the aria-live region says when a message lights: "Step 5 of 14 done: POST /oauth/token".
 * Only settled states are announced (done, failed, skipped); "in progress" would double the
 * chatter for a request that takes milliseconds.
 */
const SPOKEN: Partial<Record<StepState, string>> = { done: 'done', error: 'failed', skipped: 'skipped' };

export function stepAnnouncement(step: FlowStep, state: StepState, stepCount: number): string | null {
  const word = SPOKEN[state];
  return word ? `Step ${step.index + 1} of ${stepCount} ${word}: ${step.label}` : null;
}

/**
 * A polite live region. Each message is appended as its own node (additions are what live regions
 * announce), so messages that arrive close together are queued by the screen reader rather than
 * overwriting each other. Old nodes are pruned.
 */
const KEPT = 6;

export class Announcer {
  constructor(private readonly region: HTMLElement) {}

  say(message: string | null): void {
    if (!message) return;
    const line = document.createElement('span');
    line.textContent = `${message}. `;
    this.region.appendChild(line);
    while (this.region.childElementCount > KEPT) this.region.firstElementChild!.remove();
  }

  clear(): void {
    this.region.replaceChildren();
  }
}
