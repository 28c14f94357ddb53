import type { ActorId, FlowDiagram } from '../flow/types';
import { tagActors, tagMessages, type TaggedDiagram } from './diagram-svg';

/**
 * Draws a diagram with Mermaid, which is large (about 190 KB gzipped for a sequence diagram):
 * it is imported only here, dynamically, after the page's first paint. Colours are the site's,
 * applied by player.css through CSS variables, so a theme switch needs no redraw.
 */
type Mermaid = (typeof import('mermaid'))['default'];

let mermaidReady: Promise<Mermaid> | null = null;
let renders = 0;

function loadMermaid(): Promise<Mermaid> {
  mermaidReady ??= import('mermaid').then(({ default: mermaid }) => {
    const style = getComputedStyle(document.body);
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'base',
      fontFamily: style.fontFamily,
      sequence: {
        useMaxWidth: false,
        mirrorActors: false,
        actorMargin: 40,
        messageMargin: 36,
        boxMargin: 8,
        noteMargin: 10,
        actorFontSize: 14,
        actorFontWeight: 600,
        // Messages are HTTP requests: set in the code font, measured in it too.
        messageFontFamily: style.getPropertyValue('--font-mono'),
        messageFontSize: 12.5,
        noteFontSize: 13,
      },
    });
    return mermaid;
  });
  return mermaidReady;
}

/** Resolves after the browser has painted the page once (two frames: layout, then paint). */
export function afterFirstPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Resolves when the element comes within a screen's height of the viewport. */
export function whenNear(element: Element): Promise<void> {
  return new Promise((resolve) => {
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          observer.disconnect();
          resolve();
        }
      },
      { rootMargin: '100% 0px' },
    );
    observer.observe(element);
  });
}

export interface RenderedDiagram extends TaggedDiagram {
  svg: SVGSVGElement;
  /** Each participant's box and lifeline. */
  actors: Map<ActorId, Element[]>;
}

export async function renderDiagram(canvas: HTMLElement, diagram: FlowDiagram): Promise<RenderedDiagram> {
  const [mermaid] = await Promise.all([loadMermaid(), document.fonts.ready]);
  const { svg: markup } = await mermaid.render(`fp-mermaid-${diagram.id}-${++renders}`, diagram.source);
  canvas.innerHTML = markup;
  const svg = canvas.querySelector('svg')!;
  // The picture is the list's twin: assistive technology reads the step list instead.
  svg.setAttribute('aria-hidden', 'true');
  svg.removeAttribute('style');
  // Natural size when there is room, scaled down to fit up to a point (player.css), then scrolled sideways.
  svg.style.setProperty('--fp-natural-width', `${Math.round(svg.viewBox.baseVal.width)}px`);
  return { svg, ...tagMessages(svg, diagram.steps), actors: tagActors(svg, diagram.actors.map((actor) => actor.id)) };
}
