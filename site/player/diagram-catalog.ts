import { diagramIdFor } from '../flow/diagram';
import type { FlowDiagram, OnDemandAction, Transport } from '../flow/types';

/**
 * Which diagrams one player shows. A run of option 1 is drawn on several diagrams: the main flow,
 * and one per on-demand part (refresh and revoke share one), each per transport
 * (`diagramIdFor`). A lesson names its main diagram; the player brings the rest.
 */
export type Part = 'main' | OnDemandAction;
export const TRANSPORTS: Transport[] = ['streamable-http', 'sse'];
export const PARTS: Part[] = ['main', 'refresh', 'step-up', 'revoke'];

/** The transport whose main diagram this is, or null for a diagram the transport switch does not cover. */
export function transportOf(diagramId: string): Transport | null {
  return TRANSPORTS.find((transport) => diagramIdFor(transport, 'main') === diagramId) ?? null;
}

/** Every diagram a player opened on `mainId` may show, that exists: its own transport's first. */
export function playerDiagramIds(mainId: string): string[] {
  const transport = transportOf(mainId);
  if (!transport) return [mainId];
  const ordered = [transport, ...TRANSPORTS.filter((other) => other !== transport)];
  return [...new Set(ordered.flatMap((each) => PARTS.map((part) => diagramIdFor(each, part))))];
}

/** Labels for the part switch: refresh and revoke share a diagram, and so a label. */
export function partLabel(diagram: Pick<FlowDiagram, 'id'>, transport: Transport): string {
  if (diagram.id === diagramIdFor(transport, 'step-up')) return 'Step-up';
  if (diagram.id === diagramIdFor(transport, 'refresh')) return 'Refresh and revoke';
  return 'Main flow';
}
