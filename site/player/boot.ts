import type { FlowDiagram } from '../flow/types';
import { PlayerController } from './controller';

/** Starts every flow player on the page (FlowPlayer.astro embeds its diagrams as JSON). */
export function startPlayers(): void {
  for (const root of document.querySelectorAll<HTMLElement>('[data-flow-player]')) {
    if (root.dataset.started !== undefined) continue;
    root.dataset.started = '';
    const diagrams = JSON.parse(root.querySelector('[data-fp-diagrams]')!.textContent!) as FlowDiagram[];
    new PlayerController(root, diagrams);
  }
}
