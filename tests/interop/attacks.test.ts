import { describe, expect, inject, test } from 'vitest';
import { ATTACK_IDS, ATTACKS, attackDiagramId } from '../../site/flow/attacks';
import { assign, partOf } from '../../site/flow/assign';
import type { HeadlessUserOptions } from '../support/headless-user.ts';
import { diagrams, failuresOf, pageExchanges, runFlow } from './flow-engine-support.ts';

/**
 * The attack labs in the flow engine against the production build: after a clean run of the
 * option, the attacker's requests are made for real, the server refuses the last one exactly as
 * the lab expects, and every request of the attack lights a message of the lab's own diagram.
 */
const origin = inject('labOrigin');
// The session-hijack lab needs the user to switch accounts in the sign-in window: its e2e test plays
// that part. The CIMD lab needs https, which this build is not served over: its e2e test runs it on
// a local https server (tests/e2e/attack-labs-cimd.spec.ts).
const cases = ATTACK_IDS.filter((id) => id !== 'session-hijack' && !ATTACKS[id].needsHttps).flatMap((id) => ATTACKS[id].options.map((option) => [id, option] as const));

describe.each(cases)('%s on %s', (id, option) => {
  test('the lab ends as taught (the refusal; in a switched-off demo, the request that got through), and the diagram shows every request of it', async () => {
    // The user's answers in the sign-in window; read at each authorization, so they can change between the run and the attack.
    const user: HeadlessUserOptions = {};
    const session = await runFlow(origin, { option, transport: 'streamable-http', registration: 'dcr' }, user);
    // The confused deputy: asked about the attacker's client, the user denies it, as the lab tells them to.
    if (id === 'confused-deputy') user.decision = 'deny';
    const before = pageExchanges(session.events).length;
    expect(await session.run.perform('attack', { attack: id })).toBe('success');
    expect(failuresOf(session.events)).toEqual([]);
    await session.browser.settled();

    const attack = [...pageExchanges(session.events).slice(before), ...session.browser.fromWorker.values()].filter((exchange) => partOf(session.events, exchange) === 'attack');
    // The refused request: the attacker's last one, or (a tampered link the user's browser follows) the navigation the Worker saw.
    const at = ATTACKS[id].refusedAt;
    const refused = at
      ? attack.find((exchange) => exchange.channel === 'front' && exchange.method === at.method && new URL(exchange.url).pathname === at.path)
      : attack.filter((exchange) => exchange.from === 'attacker').at(-1);
    expect(refused?.status).toBe(ATTACKS[id].expected.status);

    const diagram = diagrams.get(attackDiagramId(id))!;
    const assignment = assign(diagram, attack);
    expect(assignment.unexpected.map((exchange) => `${exchange.from}→${exchange.to} ${exchange.method} ${exchange.url} ${exchange.status}`)).toEqual([]);
    for (const step of diagram.steps) expect(step.optional ? ['done', 'skipped', 'pending'] : ['done'], step.id).toContain(assignment.states[step.id]);
    session.run.cancel();
  });
});
