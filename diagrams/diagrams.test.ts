import { ATTACK_IDS, attackDiagramId } from '../site/flow/attacks';
import { readdirSync, readFileSync } from 'node:fs';
import DOMPurify from 'dompurify';
import { beforeAll, describe, expect, test } from 'vitest';
import { AUTH_OPTION_IDS, AUTH_OPTIONS, transportsOf } from '../site/flow/auth-options';
import { diagramIdFor, parseDiagram } from '../site/flow/diagram';
import type { FlowDiagram } from '../site/flow/types';

/**
 * The diagrams are data: every message must be a step with a matcher, a why and a spec link, and
 * Mermaid itself must read the same messages from the file, so what learners see (and can paste
 * into any Mermaid editor) is exactly what the player lights.
 */
const folder = new URL('./', import.meta.url);
const files = readdirSync(folder).filter((name) => name.endsWith('.mmd'));
const diagrams = files.map((name) => parseDiagram(name.slice(0, -4), readFileSync(new URL(name, folder), 'utf8')));

// Mermaid sanitises labels with DOMPurify, which needs a DOM; parsing does not. A pass-through
// stand-in lets Node run Mermaid's own parser (its sanitiser is not what this test checks).
let mermaidMessages: (source: string) => Promise<{ from: string; to: string; text: string }[]>;
beforeAll(async () => {
  Object.assign(DOMPurify, { addHook() {}, removeHook() {}, removeHooks() {}, sanitize: (text: string) => text });
  const { default: mermaid } = await import('mermaid');
  mermaidMessages = async (source) => {
    await mermaid.parse(source);
    const diagram = await (mermaid as unknown as { mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: { getMessages(): { from?: string; to?: string; message: string; type: number }[] } }> } }).mermaidAPI.getDiagramFromText(source);
    // Signals between two actors are messages, except notes (Mermaid's LINETYPE.NOTE = 2);
    // opt/alt/end blocks have no actors.
    return diagram.db
      .getMessages()
      .filter((message) => message.from && message.to && message.type !== 2)
      .map((message) => ({ from: message.from!.toLowerCase(), to: message.to!.toLowerCase(), text: message.message }));
  };
});

test('every part of every auth option, and every attack lab, has its diagram, and every diagram belongs to one', () => {
  const named = new Set<string>(ATTACK_IDS.map((id) => `${attackDiagramId(id)}.mmd`));
  for (const option of AUTH_OPTION_IDS) {
    for (const transport of transportsOf(option)) {
      for (const part of ['main', ...AUTH_OPTIONS[option].onDemand] as const) {
        // 2026-07-28 has Streamable HTTP only; its main flow has its own diagram.
        for (const revision of transport === 'streamable-http' ? (['2025-11-25', '2026-07-28'] as const) : (['2025-11-25'] as const)) {
          const id = diagramIdFor(transport, part, option, revision);
          expect(files, `${option} ${transport} ${part} ${revision}`).toContain(`${id}.mmd`);
          named.add(`${id}.mmd`);
        }
      }
    }
  }
  expect(files.sort()).toEqual([...named].sort());
});

describe.each(diagrams.map((diagram) => [diagram.id, diagram] as [string, FlowDiagram]))('%s.mmd', (_, diagram) => {
  test('has a title and the MCP client, server and authorization server; a provider behind the Worker only where it is drawn', () => {
    expect(diagram.title).not.toBe(diagram.id);
    const actors = diagram.actors.map((actor) => actor.id);
    // An attack lab draws only the boxes its requests reach (the attacker's, or the user's tampered browser).
    if (diagram.id.startsWith('attack-')) {
      expect(new Set(actors), 'every actor of an attack lab takes part').toEqual(new Set(diagram.steps.flatMap((step) => [step.from, step.to])));
      return;
    }
    expect(actors).toEqual(expect.arrayContaining(['client', 'mcp', 'as']));
    expect(actors.includes('upstream'), 'an Upstream participant is declared exactly when a message reaches it').toBe(diagram.steps.some((step) => step.to === 'upstream'));
  });

  test('Mermaid reads the same messages, in the same order', async () => {
    const drawn = await mermaidMessages(diagram.source);
    expect(drawn).toEqual(diagram.steps.map((step) => ({ from: step.from, to: step.to, text: step.label })));
  });

  test('each step explains itself in two or three sentences and links a section of a spec', () => {
    for (const step of diagram.steps) {
      const sentences = step.why.split(/(?<=[.!?])\s+/).length;
      expect(sentences, `${step.id}: ${step.why}`).toBeGreaterThanOrEqual(2);
      expect(sentences, `${step.id}: ${step.why}`).toBeLessThanOrEqual(3);
      expect(step.spec!.href, step.id).toMatch(/^https:\/\/[^#\s]+#[\w.-]+$/);
    }
  });

  test('each step is drawn between the actors its channel connects', () => {
    for (const step of diagram.steps) {
      // The page's own requests come from the client, or, in an attack lab, from the attacker it plays.
      const expected = { api: ['client', 'attacker'], front: ['browser'], back: ['as', 'mcp'] }[step.match.channel];
      expect(expected, `${step.id} goes from ${step.from} on the ${step.match.channel} channel`).toContain(step.from);
      // The Worker's back channel goes to a provider, or to a client's metadata document (in an
      // attack lab, the attacker's); never to itself.
      if (step.match.channel === 'back') expect(['upstream', 'as', 'client', ...(diagram.id.startsWith('attack-') ? ['attacker'] : [])], step.id).toContain(step.to);
      if (step.match.channel === 'back') expect(step.to, step.id).not.toBe(step.from);
    }
  });

  test('steps that a path alone cannot tell apart are told apart by their actors', () => {
    for (const [i, step] of diagram.steps.entries()) {
      for (const other of diagram.steps.slice(i + 1)) {
        const samePath = step.match.channel === other.match.channel && step.match.method === other.match.method && step.match.path === other.match.path;
        const sameParam = JSON.stringify(step.match.param) === JSON.stringify(other.match.param);
        if (!samePath || !sameParam || step.from !== other.from || step.to !== other.to) continue;
        // The same request twice in one flow is fine only when the first is optional (consent page, then consent) or their statuses differ.
        expect(step.optional || step.match.status !== other.match.status, `${step.id} and ${other.id} match the same exchanges`).toBe(true);
      }
    }
  });

  test('the last step is not optional (a finished flow ends with it)', () => {
    expect(diagram.steps.at(-1)!.optional).toBe(false);
  });
});

test('the two transports draw the same OAuth flow', () => {
  const oauthSteps = (id: string) => diagrams.find((diagram) => diagram.id === id)!.steps.filter((step) => !step.match.path.startsWith('/sse') && !step.match.path.startsWith('/mcp'));
  const strip = (steps: FlowDiagram['steps']) => steps.map(({ id, optional, match }) => ({ id, optional, match: { ...match, path: match.path.replace(/\/(mcp|sse)$/, '') } }));
  expect(strip(oauthSteps('worker-oauth-sse'))).toEqual(strip(oauthSteps('worker-oauth')));
});
