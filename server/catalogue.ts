/**
 * The auth options, as data: one entry per way of authorizing this MCP server, keyed by the id
 * used everywhere (server, site, lessons, diagrams, docs, starters). It imports nothing, so the
 * site's browser code and the starter generator can read it without pulling in the server.
 *
 * Every path an option owns is written here once; code reads it from here (tests and diagrams
 * spell paths out on purpose: they check the wire). Each option's code is one module,
 * server/options/<id>/, which reads its own entry.
 */

export type Transport = 'streamable-http' | 'sse';
/** The parts of a run a diagram can draw: the main flow, and the actions a client takes later. */
export type DiagramPart = 'main' | 'step-up' | 'refresh' | 'revoke';

export interface AuthOptionEntry {
  id: string;
  /** How the course numbers it: "1", "2", "3a", "3b". */
  number: string;
  /** e.g. "The Worker is the authorization server". */
  title: string;
  /** One line: who signs the user in, who issues the tokens. */
  summary: string;
  /** The MCP endpoint's path, per transport it is served over. */
  endpoints: Partial<Record<Transport, string>>;
  /**
   * Who issues the MCP client's access tokens: this Worker's own authorization server, or the
   * provider (the Worker is then only a resource server and checks the provider's JWTs).
   */
  tokensFrom: 'this-worker' | 'provider';
  /**
   * How /authorize signs the user in for this option's resources (absent when the provider is the
   * authorization server): where the consent form posts, and for a provider, the Worker's
   * callback registered there.
   */
  signIn?: { consentPath: string; callbackPath?: string };
  /** The simulated provider that stands in for the real one when none is configured. */
  simulatedProvider?: 'github' | 'oidc';
  /** The tool only this option's endpoint serves: what shows what is special about it. */
  ownTool: { name: string; summary: string } | null;
  /** The diagram id (diagrams/<id>.mmd) of each part of a run, per transport. */
  diagrams: Partial<Record<Transport, Partial<Record<DiagramPart, string>>>>;
}

export const AUTH_OPTIONS = {
  worker: {
    id: 'worker',
    number: '1',
    title: 'The Worker is the authorization server',
    summary: 'The Worker signs the user in and issues the tokens.',
    endpoints: { 'streamable-http': '/mcp', sse: '/sse' },
    tokensFrom: 'this-worker',
    signIn: { consentPath: '/authorize' },
    ownTool: null,
    diagrams: {
      'streamable-http': { main: 'worker-oauth', 'step-up': 'step-up', refresh: 'refresh-revoke', revoke: 'refresh-revoke' },
      sse: { main: 'worker-oauth-sse', 'step-up': 'step-up-sse', refresh: 'refresh-revoke-sse', revoke: 'refresh-revoke-sse' },
    },
  },
  github: {
    id: 'github',
    number: '2',
    title: 'GitHub behind the Worker',
    summary: 'GitHub signs the user in; the Worker issues the tokens.',
    endpoints: { 'streamable-http': '/github/mcp' },
    tokensFrom: 'this-worker',
    signIn: { consentPath: '/authorize/github', callbackPath: '/authorize/github/callback' },
    simulatedProvider: 'github',
    ownTool: { name: 'github_profile', summary: 'calls GitHub with the token the Worker keeps' },
    diagrams: {
      'streamable-http': { main: 'github', 'step-up': 'github-step-up', refresh: 'github-refresh-revoke', revoke: 'github-refresh-revoke' },
    },
  },
  'oidc-proxy': {
    id: 'oidc-proxy',
    number: '3a',
    title: 'Your OpenID provider behind the Worker (proxy)',
    summary: 'Your OpenID provider signs the user in; the Worker issues the tokens.',
    endpoints: { 'streamable-http': '/oidc/mcp' },
    tokensFrom: 'this-worker',
    signIn: { consentPath: '/authorize/oidc', callbackPath: '/authorize/oidc/callback' },
    simulatedProvider: 'oidc',
    ownTool: { name: 'oidc_userinfo', summary: 'calls the provider’s userinfo with the token the Worker keeps' },
    diagrams: {
      'streamable-http': {
        main: 'oidc-proxy',
        'step-up': 'oidc-proxy-step-up',
        refresh: 'oidc-proxy-refresh-revoke',
        revoke: 'oidc-proxy-refresh-revoke',
      },
    },
  },
  'oidc-external': {
    id: 'oidc-external',
    number: '3b',
    title: 'Your provider as the authorization server',
    summary: 'Your provider issues the tokens; the Worker only checks them.',
    endpoints: { 'streamable-http': '/external/mcp' },
    tokensFrom: 'provider',
    simulatedProvider: 'oidc',
    ownTool: { name: 'token_claims', summary: 'what the server verified in the provider’s token' },
    diagrams: { 'streamable-http': { main: 'oidc-external', 'step-up': 'oidc-external-step-up' } },
  },
} as const satisfies Record<string, AuthOptionEntry>;

export type AuthOptionId = keyof typeof AUTH_OPTIONS;
export const AUTH_OPTION_IDS = Object.keys(AUTH_OPTIONS) as AuthOptionId[];

/** The catalogue entry of an option, typed as the general shape (optional fields stay optional). */
export const authOption = (id: AuthOptionId): AuthOptionEntry => AUTH_OPTIONS[id];

/**
 * Every entry present, as the general shape. A starter's catalogue holds only its own option, so
 * code shared by several options (a simulated provider) looks entries up here, not by id.
 */
export const AUTH_OPTION_ENTRIES: readonly AuthOptionEntry[] = Object.values(AUTH_OPTIONS);

/** Every path an option's MCP endpoints are served at. */
export const endpointPaths = (entry: AuthOptionEntry): string[] => Object.values(entry.endpoints);

/** Where the simulated providers live on the Worker's origin (each under its own base below this). */
export const SIMULATED_PATH_PREFIX = '/simulated/';
