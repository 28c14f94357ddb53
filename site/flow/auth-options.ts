import type { OnDemandAction, Registration, Transport } from './types';

/**
 * The ways to authorize an MCP server the lab runs, as data: where each one's MCP endpoint is,
 * which diagram draws each part of a run, the tool that shows what is special about it, and what
 * a client can do there. The engine needs only `serverUrl` and `toolCall`; the player and the
 * tests read the rest. Paths match the server's (server/index.ts, MCP_ENDPOINT_PATHS).
 */
export type AuthOptionId = 'worker' | 'github' | 'oidc-proxy' | 'oidc-external';
export type Part = 'main' | OnDemandAction;

export interface AuthOptionFlow {
  id: AuthOptionId;
  /** How the lab names it, e.g. "Option 2: GitHub behind the Worker". */
  title: string;
  /** Short, for a radio button: "2 · GitHub". */
  label: string;
  /** One line: who signs the user in, who issues the tokens. */
  summary: string;
  /** The MCP endpoint's path on the lab's origin, per transport it is served over. */
  endpoints: Partial<Record<Transport, string>>;
  /** The diagram (diagrams/<id>.mmd) of each part of a run, per transport. Refresh and revoke share one. */
  diagrams: Partial<Record<Transport, Partial<Record<Part, string>>>>;
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

const OPTION_1_DIAGRAMS = {
  'streamable-http': { main: 'worker-oauth', 'step-up': 'step-up', refresh: 'refresh-revoke', revoke: 'refresh-revoke' },
  sse: { main: 'worker-oauth-sse', 'step-up': 'step-up-sse', refresh: 'refresh-revoke-sse', revoke: 'refresh-revoke-sse' },
};

const behindTheWorker = (id: 'github' | 'oidc-proxy') => ({
  'streamable-http': { main: id, 'step-up': `${id}-step-up`, refresh: `${id}-refresh-revoke`, revoke: `${id}-refresh-revoke` },
});

export const AUTH_OPTIONS: Record<AuthOptionId, AuthOptionFlow> = {
  worker: {
    id: 'worker',
    title: 'Option 1: the Worker is the authorization server',
    label: '1 · The Worker',
    summary: 'The Worker signs the user in and issues the tokens.',
    endpoints: { 'streamable-http': '/mcp', sse: '/sse' },
    diagrams: OPTION_1_DIAGRAMS,
    toolCall: { name: 'whoami', arguments: {} },
    ownTool: null,
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'sign in, then Allow or Deny.',
  },
  github: {
    id: 'github',
    title: 'Option 2: GitHub behind the Worker',
    label: '2 · GitHub',
    summary: 'GitHub signs the user in; the Worker issues the tokens.',
    endpoints: { 'streamable-http': '/github/mcp' },
    diagrams: behindTheWorker('github'),
    toolCall: { name: 'github_profile', arguments: {} },
    ownTool: { name: 'github_profile', summary: 'calls GitHub with the token the Worker keeps' },
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'allow the app on the Worker’s consent page, then authorize it at GitHub.',
  },
  'oidc-proxy': {
    id: 'oidc-proxy',
    title: 'Option 3a: your OpenID provider behind the Worker (proxy)',
    label: '3a · OIDC proxy',
    summary: 'Your OpenID provider signs the user in; the Worker issues the tokens.',
    endpoints: { 'streamable-http': '/oidc/mcp' },
    diagrams: behindTheWorker('oidc-proxy'),
    toolCall: { name: 'oidc_userinfo', arguments: {} },
    ownTool: { name: 'oidc_userinfo', summary: 'calls the provider’s userinfo with the token the Worker keeps' },
    registrations: ['dcr', 'preregistered', 'cimd'],
    onDemand: ['refresh', 'step-up', 'revoke'],
    inWindow: 'allow the app on the Worker’s consent page, then sign in at the OpenID provider.',
  },
  'oidc-external': {
    id: 'oidc-external',
    title: 'Option 3b: your provider as the authorization server',
    label: '3b · Separate AS',
    summary: 'Your provider issues the tokens; the Worker only checks them.',
    endpoints: { 'streamable-http': '/external/mcp' },
    diagrams: { 'streamable-http': { main: 'oidc-external', 'step-up': 'oidc-external-step-up' } },
    toolCall: { name: 'token_claims', arguments: {} },
    ownTool: { name: 'token_claims', summary: 'what the server verified in the provider’s token' },
    // The client registers at the provider: the lab's pre-registered client exists only at the Worker.
    registrations: ['dcr', 'cimd'],
    // The provider issues no refresh tokens and has no revocation endpoint (the simulated one, and many real ones for public clients).
    onDemand: ['step-up'],
    inWindow: 'sign in and allow at the OpenID provider.',
  },
};

export const AUTH_OPTION_IDS = Object.keys(AUTH_OPTIONS) as AuthOptionId[];

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
export function mainDiagramOf(diagramId: string): { option: AuthOptionId; transport: Transport } | null {
  for (const option of AUTH_OPTION_IDS) {
    for (const transport of transportsOf(option)) {
      if (AUTH_OPTIONS[option].diagrams[transport]?.main === diagramId) return { option, transport };
    }
  }
  return null;
}

/** The option a diagram (of any part) belongs to, or null. */
export function optionOfDiagram(diagramId: string): AuthOptionId | null {
  return AUTH_OPTION_IDS.find((option) => Object.values(AUTH_OPTIONS[option].diagrams).some((parts) => Object.values(parts ?? {}).includes(diagramId))) ?? null;
}

/** The MCP endpoint's URL for an option on an origin. */
export function serverUrlFor(origin: string, option: AuthOptionId, transport: Transport): string {
  const path = AUTH_OPTIONS[option].endpoints[transport];
  if (!path) throw new Error(`${AUTH_OPTIONS[option].title} is not served over ${transport}`);
  return origin + path;
}
