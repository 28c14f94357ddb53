import { describe, expect, it } from 'vitest';
import type { FlowStep, StepState } from '../flow/types';
import { statusText, type StatusInput } from './status-text';

const step = (id: string, index: number): FlowStep => ({
  id,
  index,
  from: 'client',
  to: 'as',
  label: `${id} label`,
  match: { channel: 'api', method: 'GET', path: '/' },
  why: 'why',
  optional: false,
});
const steps = [step('probe', 0), step('token', 1), step('initialize', 2)];
const input = (overrides: Partial<StatusInput>, states: Record<string, StepState> = {}): StatusInput => ({
  phase: 'idle',
  onDemand: null,
  currentAction: null,
  nextAction: null,
  steps,
  states: new Map(Object.entries(states)),
  ...overrides,
});

describe('statusText', () => {
  it('says where a paused run stands and what comes next', () => {
    expect(statusText(input({ phase: 'paused', nextAction: 'token' }, { probe: 'done' }))).toBe('Paused after step 1 of 3. Next: token. Press Step for one more request, or Continue.');
  });

  it('sends the learner to the sign-in window while the authorization waits for them, saying what to do there', () => {
    expect(statusText(input({ phase: 'running', currentAction: 'authorize' }))).toBe('Waiting for you in the sign-in window: sign in, then Allow or Deny.');
    expect(statusText(input({ phase: 'running', currentAction: 'authorize', inWindow: 'allow the app, then authorize it at GitHub.' }))).toBe(
      'Waiting for you in the sign-in window: allow the app, then authorize it at GitHub.',
    );
  });

  it('at the end, says why messages on another site stayed grey', () => {
    expect(statusText(input({ phase: 'success' }, { probe: 'done', token: 'done', initialize: 'done' }))).toMatch(/^Done: every step happened/);
    expect(statusText(input({ phase: 'success' }, { probe: 'done', token: 'pending', initialize: 'done' }))).toMatch(/another site, which the lab cannot record/);
  });

  it('names the running step, and the failed one', () => {
    expect(statusText(input({ phase: 'running', currentAction: 'token' }, { probe: 'done', token: 'active' }))).toBe('Running step 2: token label');
    expect(statusText(input({ phase: 'failed' }, { probe: 'done', token: 'error' }))).toMatch(/^Stopped at step 2 of 3/);
  });
});
