import { readdirSync, readFileSync } from 'node:fs';
import DOMPurify from 'dompurify';
import { beforeAll, describe, expect, test } from 'vitest';
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

test('the option-1 diagrams are all there', () => {
  expect(files.sort()).toEqual(
    ['refresh-revoke-sse.mmd', 'refresh-revoke.mmd', 'step-up-sse.mmd', 'step-up.mmd', 'worker-oauth-sse.mmd', 'worker-oauth.mmd'].sort(),
  );
  for (const transport of ['streamable-http', 'sse'] as const) {
    for (const part of ['main', 'refresh', 'step-up', 'revoke'] as const) {
      expect(files).toContain(`${diagramIdFor(transport, part)}.mmd`);
    }
  }
});

describe.each(diagrams.map((diagram) => [diagram.id, diagram] as [string, FlowDiagram]))('%s.mmd', (_, diagram) => {
  test('has a title and the four option-1 actors', () => {
    expect(diagram.title).not.toBe(diagram.id);
    expect(diagram.actors.map((actor) => actor.id)).toEqual(expect.arrayContaining(['client', 'mcp', 'as']));
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
      const expected = { api: ['client'], front: ['browser'], back: ['as', 'mcp'] }[step.match.channel];
      expect(expected, `${step.id} goes from ${step.from} on the ${step.match.channel} channel`).toContain(step.from);
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
