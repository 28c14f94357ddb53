import { AUTH_OPTIONS as CATALOGUE, AUTH_OPTION_IDS as CATALOGUE_IDS, type AuthOptionEntry, type AuthOptionId } from '../../server/catalogue';
import type { ProtocolRevision } from './mcp';
import type { OnDemandAction, Registration, Transport } from './types';

/**
 * The ways to authorize an MCP server the lab runs, as the player needs them: the server's
 * catalogue (server/catalogue.ts: ids, endpoints, diagrams, own tool) and what the player adds
 * (how a button names it, what a client can do there). The engine needs only `serverUrl` and
 * `toolCall`; the player and the tests read the rest.
 */
export type { AuthOptionId };
export type Part = 'main' | OnDemandAction;

/** What a 2026-07-28 main diagram's id adds to its 2025-11-25 twin's (diagrams/<id>-2026.mmd). */
export const STATELESS_SUFFIX = '-2026';

export interface AuthOptionFlow {
  id: AuthOptionId;
  /** How the lab names it, e.g. "Option 2: GitHub behind the Worker". */
  title: string;
  /** Short, for a radio button: "2 · GitHub". */
  label: string;
  /** One line: who signs the user in, who issues the tokens. */
  summary: string;
  /** The MCP endpoint's path on the lab's origin, per transport it is served over. */
  endpoints: AuthOptionEntry['endpoints'];
  /** The diagram (diagrams/<id>.mmd) of each part of a run, per transport. Refresh and revoke share one. */
  diagrams: AuthOptionEntry['diagrams'];
  /** The tool called at the end of the main flow. */
  toolCall: { name: string; arguments: Record<string, unknown> };
  /** The tool only this option's endpoint has, if any: what shows what is special about it. */
  ownTool: { name: string; summary: string } | null;
  /** How a client may get a client_id here. */
  registrations: Registration[];
  /** What can be done after the main flow. */
  onDemand: OnDemandAction[];
  /** What the user does in the sign-in window, for the player's status line. */
  inWindow: string;
}

/** What the player adds to each option of the catalogue: how it names it, and what a client can do there. */
const PLAYER: Record<AuthOptionId, Pick<AuthOptionFlow, 'label' | 'registrations' | 'onDemand' | 'inWindow'>> = {
  worker: {
    label: '1 · The Worker',
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'sign in, then Allow or Deny.',
  },
  github: {
    label: '2 · GitHub',
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'allow the app on the Worker’s consent page, then authorize it at GitHub.',
  },
  'oidc-proxy': {
    label: '3a · OIDC proxy',
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'allow the app on the Worker’s consent page, then sign in at the OpenID provider.',
  },
  'oidc-external': {
    label: '3b · Separate AS',
    // The client registers at the provider: the lab's pre-registered client exists only at the Worker.
    registrations: ['dcr', 'cimd'],
    // The provider issues no refresh tokens and has no revocation endpoint (the simulated one, and many real ones for public clients).
    onDemand: ['step-up'],
    inWindow: 'sign in and allow at the OpenID provider.',
  },
};

/** The tool the main flow ends on: the option's own, or whoami where there is none. */
const toolCallOf = (entry: AuthOptionEntry) => ({ name: entry.ownTool?.name ?? 'whoami', arguments: {} });

export const AUTH_OPTIONS = Object.fromEntries(
  CATALOGUE_IDS.map((id) => {
    const entry: AuthOptionEntry = CATALOGUE[id];
    const flow: AuthOptionFlow = {
      id,
      title: `Option ${entry.number}: ${entry.title}`,
      summary: entry.summary,
      endpoints: entry.endpoints,
      diagrams: entry.diagrams,
      toolCall: toolCallOf(entry),
      ownTool: entry.ownTool,
      ...PLAYER[id],
    };
    return [id, flow];
  }),
) as Record<AuthOptionId, AuthOptionFlow>;

export const AUTH_OPTION_IDS = CATALOGUE_IDS;

/** The options a lesson's player offers together, by the option its main diagram draws. */
const TOGETHER: Record<AuthOptionId, AuthOptionId[]> = {
  worker: ['worker'],
  github: ['github'],
  'oidc-proxy': ['oidc-proxy', 'oidc-external'],
  'oidc-external': ['oidc-external', 'oidc-proxy'],
};
export const optionsShownWith = (option: AuthOptionId) => TOGETHER[option];

/** The transports an option is served over, Streamable HTTP first. */
export const transportsOf = (option: AuthOptionId): Transport[] => (['streamable-http', 'sse'] as const).filter((transport) => AUTH_OPTIONS[option].endpoints[transport]);

/** The option and transport whose main diagram this is, or null. */
export function mainDiagramOf(diagramId: string): { option: AuthOptionId; transport: Transport; revision: ProtocolRevision } | null {
  // A 2026-07-28 main diagram is its 2025-11-25 twin's id with STATELESS_SUFFIX (site/flow/diagram.ts).
  const stateless = diagramId.endsWith(STATELESS_SUFFIX);
  const id = stateless ? diagramId.slice(0, -STATELESS_SUFFIX.length) : diagramId;
  for (const option of AUTH_OPTION_IDS) {
    for (const transport of transportsOf(option)) {
      if (AUTH_OPTIONS[option].diagrams[transport]?.main === id && (!stateless || transport === 'streamable-http')) {
        return { option, transport, revision: stateless ? '2026-07-28' : '2025-11-25' };
      }
    }
  }
  return null;
}

/** The option a diagram (of any part) belongs to, or null. */
export function optionOfDiagram(diagramId: string): AuthOptionId | null {
  if (diagramId.endsWith(STATELESS_SUFFIX)) return mainDiagramOf(diagramId)?.option ?? null;
  return AUTH_OPTION_IDS.find((option) => Object.values(AUTH_OPTIONS[option].diagrams).some((parts) => Object.values(parts ?? {}).includes(diagramId))) ?? null;
}

/** The MCP endpoint's URL for an option on an origin. */
export function serverUrlFor(origin: string, option: AuthOptionId, transport: Transport): string {
  const path = AUTH_OPTIONS[option].endpoints[transport];
  if (!path) throw new Error(`${AUTH_OPTIONS[option].title} is not served over ${transport}`);
  return origin + path;
}
