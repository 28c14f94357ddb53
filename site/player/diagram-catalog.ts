import { AUTH_OPTIONS, mainDiagramOf, optionsShownWith, transportsOf, type AuthOptionId, type Part } from '../flow/auth-options';
import { attackDiagramId, attacksFor } from '../flow/attacks';
import { diagramIdFor } from '../flow/diagram';
import type { FlowDiagram, Transport } from '../flow/types';

/**
 * Which diagrams one player shows. A run is drawn on several diagrams: its option's main flow,
 * and one per on-demand part (refresh and revoke share one), each per transport
 * (`diagramIdFor`). A lesson names its main diagram; the player brings the rest, and the other
 * options that lesson compares (site/flow/auth-options.ts). The /lab page shows every option.
 */
export type { Part };

/** The options and transports a player opened on these diagrams offers, in the order given. */
export function offeredOptions(diagrams: Pick<FlowDiagram, 'id'>[]): { option: AuthOptionId; transport: Transport }[] {
  const offered = new Map<AuthOptionId, { option: AuthOptionId; transport: Transport }>();
  for (const diagram of diagrams) {
    const main = mainDiagramOf(diagram.id);
    if (main && !offered.has(main.option)) offered.set(main.option, { option: main.option, transport: main.transport }); // its first transport is the one shown first
  }
  return [...offered.values()];
}

/**
 * Every diagram a player opened on `mainId` may show: its option's (its own transport's first),
 * then those of the options shown with it, or of `options` when given.
 */
export function playerDiagramIds(mainId: string, options?: AuthOptionId[]): string[] {
  const main = mainDiagramOf(mainId);
  if (!main) return [mainId];
  const shown = [main.option, ...(options ?? optionsShownWith(main.option)).filter((option) => option !== main.option)];
  const ids = shown.flatMap((option) => {
    const transports = transportsOf(option);
    const ordered = option === main.option ? [main.transport, ...transports.filter((transport) => transport !== main.transport)] : transports;
    return ordered.flatMap((transport) => [
      ...(['main', ...AUTH_OPTIONS[option].onDemand] as Part[]).map((part) => diagramIdFor(transport, part, option)),
      // The 2026-07-28 main flow, where that revision has the transport (Streamable HTTP only).
      ...(transport === 'streamable-http' ? [diagramIdFor(transport, 'main', option, '2026-07-28')] : []),
    ]);
  });
  // The attack labs of the options shown, drawn on their own diagrams.
  const attacks = shown.flatMap((option) => attacksFor(option).map((lab) => attackDiagramId(lab.id)));
  // A lesson that names a 2026-07-28 diagram starts on it.
  return [...new Set([mainId, ...ids, ...attacks])];
}
