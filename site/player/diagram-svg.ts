import type { ActorId, FlowStep, StepState } from '../flow/types';

/**
 * Finds the messages in the SVG Mermaid drew for a sequence diagram and turns each into a
 * `<g class="flow-message" data-step data-state>` that the player lights. Mermaid draws every
 * message as its text line(s) (`.messageText`) followed by its arrow (`.messageLine0` solid,
 * `.messageLine1` dotted), in diagram order, so the n-th arrow is step `index` n. Only Mermaid's
 * class names are relied on; a mismatch with the step list is reported, not guessed around.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';
const MESSAGE_PARTS = '.messageText, .messageLine0, .messageLine1';
const isArrow = (element: Element) => element.classList.contains('messageLine0') || element.classList.contains('messageLine1');

export interface TaggedDiagram {
  /** Step id → its group in the SVG. */
  messages: Map<string, SVGGElement>;
  /** Arrows found; equal to the number of steps when the diagram and its steps agree. */
  arrowCount: number;
}

/** The point an arrow starts at, for its step number. */
function startOf(arrow: SVGGraphicsElement): { x: number; y: number } {
  if (arrow instanceof SVGLineElement) return { x: arrow.x1.baseVal.value, y: arrow.y1.baseVal.value };
  const match = /M\s*([-\d.]+)[ ,]([-\d.]+)/.exec(arrow.getAttribute('d') ?? '');
  if (match) return { x: Number(match[1]), y: Number(match[2]) };
  const box = arrow.getBBox();
  return { x: box.x, y: box.y };
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) created.setAttribute(key, String(value));
  return created;
}

export function tagMessages(svg: SVGSVGElement, steps: FlowStep[]): TaggedDiagram {
  const byIndex = new Map(steps.map((step) => [step.index, step]));
  const messages = new Map<string, SVGGElement>();
  let pendingText: Element[] = [];
  let arrowCount = 0;
  for (const part of [...svg.querySelectorAll(MESSAGE_PARTS)]) {
    if (!isArrow(part)) {
      pendingText.push(part);
      continue;
    }
    const step = byIndex.get(arrowCount++);
    const texts = pendingText;
    pendingText = [];
    if (!step) continue;
    const arrow = part as SVGGraphicsElement;
    const group = element('g', { class: 'flow-message', 'data-step': step.id, 'data-state': 'pending', 'data-index': step.index });
    arrow.parentNode!.insertBefore(group, arrow);
    // A generous, invisible target: a one-pixel arrow is hard to click.
    const box = [arrow, ...texts].map((node) => (node as SVGGraphicsElement).getBBox());
    const left = Math.min(...box.map((b) => b.x));
    const top = Math.min(...box.map((b) => b.y));
    const right = Math.max(...box.map((b) => b.x + b.width));
    const bottom = Math.max(...box.map((b) => b.y + b.height));
    for (const part of [element('rect', { class: 'flow-hit', x: left - 6, y: top - 6, width: right - left + 12, height: bottom - top + 14 }), ...texts, arrow]) group.appendChild(part);
    const start = startOf(arrow);
    const badge = element('g', { class: 'flow-number', transform: `translate(${start.x},${start.y})` });
    const label = element('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central', y: 0.5 });
    label.textContent = String(step.index + 1);
    badge.appendChild(element('circle', { r: 9 }));
    badge.appendChild(label);
    group.appendChild(badge);
    const title = element('title', {});
    title.textContent = `Step ${step.index + 1}: ${step.label}`;
    group.insertBefore(title, group.firstChild);
    messages.set(step.id, group);
  }
  return { messages, arrowCount };
}

export function setMessageState(group: SVGGElement | undefined, state: StepState, selected: boolean): void {
  if (!group) return;
  if (group.dataset.state !== state) group.dataset.state = state;
  group.classList.toggle('is-selected', selected);
}

/**
 * The participants' boxes and lifelines, tagged `data-actor` with their actor id (Mermaid marks
 * them `data-et="participant"` / `"life-line"` with the participant's name in `data-id`).
 */
export function tagActors(svg: SVGSVGElement, actors: ActorId[]): Map<ActorId, Element[]> {
  const tagged = new Map<ActorId, Element[]>();
  for (const element of svg.querySelectorAll('[data-et="participant"], [data-et="life-line"]')) {
    const actor = element.getAttribute('data-id')?.toLowerCase() as ActorId | undefined;
    if (!actor || !actors.includes(actor)) continue;
    element.setAttribute('data-actor', actor);
    tagged.set(actor, [...(tagged.get(actor) ?? []), element]);
  }
  return tagged;
}

/** Lights the boxes of the actors taking part in the message in focus (`data-lit`), and only those. */
export function setActorsLit(actors: Map<ActorId, Element[]>, lit: ReadonlySet<ActorId>): void {
  for (const [actor, elements] of actors) {
    for (const element of elements) {
      if (lit.has(actor)) element.setAttribute('data-lit', '');
      else element.removeAttribute('data-lit');
    }
  }
}
