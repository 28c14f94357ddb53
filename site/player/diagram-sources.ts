import type { AuthOptionId } from '../flow/auth-options';
import { parseDiagram } from '../flow/diagram';
import type { FlowDiagram } from '../flow/types';
import { playerDiagramIds } from './diagram-catalog';

/**
 * The diagrams, read from diagrams/*.mmd at build time (server side only: pages embed the parsed
 * result, so the browser never parses). A malformed diagram fails the build with its line numbers.
 */
const SOURCES = import.meta.glob<string>('../../diagrams/*.mmd', { query: '?raw', import: 'default', eager: true });

const byId = new Map(Object.entries(SOURCES).map(([path, source]) => [path.replace(/^.*\/|\.mmd$/g, ''), source]));

export function diagramExists(id: string): boolean {
  return byId.has(id);
}

export function loadDiagram(id: string): FlowDiagram {
  const source = byId.get(id);
  if (source === undefined) throw new Error(`There is no diagrams/${id}.mmd. Known diagrams: ${[...byId.keys()].join(', ')}.`);
  return parseDiagram(id, source);
}

/**
 * The diagrams a player opened on `mainId` shows, the main one first: its option's, then those of
 * the options it is compared with (a lesson's), or of `options` (the /lab page: all of them).
 */
export function playerDiagrams(mainId: string, options?: AuthOptionId[]): FlowDiagram[] {
  if (!diagramExists(mainId)) loadDiagram(mainId); // throws, naming the diagrams there are
  return playerDiagramIds(mainId, options).filter(diagramExists).map(loadDiagram);
}
