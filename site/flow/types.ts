/**
 * Contracts of the flow player: diagrams as data, the flow engine's events, and step states.
 * One engine runs every mode (step, run, replay) and every auth option; what differs is data.
 */
import type { ActorId, CapturedExchange, Channel } from '../../server/lab/exchange';
import type { ProtocolRevision } from './mcp';
import type { AttackId } from './attack-ids';

export type { ActorId, CapturedExchange, Channel };

/** A message's state on the diagram (`data-state`). `skipped`: an optional step that did not happen. */
export type StepState = 'pending' | 'active' | 'done' | 'error' | 'skipped';

/**
 * Recognises a step's exchange. `path` is matched against the URL path: `*` matches one path
 * segment's characters, `**` anything. `param`, when given, must also match: a parameter of the
 * request's query or form body, or a top-level member of its JSON body (a JSON-RPC `method`), so
 * several steps can share one endpoint (`POST /mcp method=tools/list`). Its value may use `*`.
 * `status` is what success looks like (`200`, `2xx`, `302`, `401`, or alternatives `200|302`):
 * an exchange that is recognised but has another status puts the step in `error`.
 */
export interface ExchangeMatcher {
  channel: Channel;
  method: string;
  path: string;
  param?: { name: string; value: string };
  status?: string;
}

/** One message of a sequence diagram, parsed from the annotations above it in its .mmd file. */
export interface FlowStep {
  id: string;
  /** Position among the diagram's messages (0-based), which is also its order in the SVG. */
  index: number;
  from: ActorId;
  to: ActorId;
  /** The message text as drawn. */
  label: string;
  match: ExchangeMatcher;
  /** Two or three sentences in plain words: what happens here and why. */
  why: string;
  /** The spec or RFC section this step follows. */
  spec?: { label: string; href: string };
  /** May legitimately not happen (e.g. sign-in when the browser is already signed in). */
  optional: boolean;
}

export interface FlowDiagram {
  /** File name without extension, e.g. `worker-oauth`. */
  id: string;
  title: string;
  /** The Mermaid source as written (annotations are Mermaid comments, so it renders as is). */
  source: string;
  actors: { id: ActorId; label: string }[];
  steps: FlowStep[];
}

/** How the in-page MCP client gets its client_id. */
export const REGISTRATIONS = ['dcr', 'cimd', 'preregistered'] as const;
export type Registration = (typeof REGISTRATIONS)[number];
export type Transport = 'streamable-http' | 'sse';

/** Deliberate mistakes a learner can inject to see how each failure looks and why it fails. */
export const SABOTAGES = ['wrong-verifier', 'wrong-state', 'omit-resource', 'replay-code'] as const;
export type Sabotage = (typeof SABOTAGES)[number];

export interface FlowConfig {
  /** The MCP endpoint, e.g. `https://lab.example.com/mcp`. */
  serverUrl: string;
  transport: Transport;
  /** The MCP protocol revision the client speaks; default 2025-11-25 (initialize handshake). 2026-07-28 is stateless, Streamable HTTP only. */
  revision?: ProtocolRevision;
  registration: Registration;
  /** Scopes to request (default: what the 401 challenge names). */
  scopes?: string[];
  sabotage?: Sabotage;
  /** The tool call to make at the end of the flow. */
  toolCall?: ToolCall;
}

/** A check the in-page client makes that SDKs often skip, reported whether it passes or not. */
export interface FlowCheck {
  id: 'state' | 'iss' | 'issuer-match' | 's256-advertised' | 'resource-sent' | 'audience' | 'token-audience' | 'registration' | 'step-up-scopes';
  ok: boolean;
  message: string;
  spec: { label: string; href: string };
  /** Shown, never stops the flow: the decision belongs to someone else (the MCP server, for a token's audience). */
  advisory?: boolean;
}

/** A failure explained for a learner: what went wrong, the likely cause, the fix. */
export interface FlowFailure {
  /** The catalogue entry that explained it (site/flow/failures.ts), e.g. `invalid-grant-pkce`. */
  id?: string;
  title: string;
  /** What the server (or browser) said, verbatim. */
  serverSaid?: string;
  cause: string;
  fix: string;
  spec?: { label: string; href: string };
  /** More sections behind it. */
  seeAlso?: { label: string; href: string }[];
  /** When the server said to try again (its Retry-After), in ms since the epoch. */
  retryAt?: number;
  /** The exchange that showed it, when there is one. */
  exchangeId?: string;
}

/** A tools/call's params. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** What can be done after the main flow succeeded (`FlowRun.perform`). */
export const ON_DEMAND_ACTIONS = ['refresh', 'step-up', 'revoke', 'attack'] as const;
export type OnDemandAction = (typeof ON_DEMAND_ACTIONS)[number];
export const isOnDemandAction = (action: string): action is OnDemandAction => (ON_DEMAND_ACTIONS as readonly string[]).includes(action);

/**
 * `at` (epoch ms, from the environment's clock) lets a player tell which exchanges belong to an
 * on-demand action. An `exchange` event may repeat an earlier exchange's `id`: a response stream
 * read further (the legacy SSE transport's GET /sse carries every answer). The later one replaces
 * the earlier.
 */
export type FlowEvent =
  | { type: 'action'; action: string; phase: 'start' | 'end'; at?: number }
  | { type: 'exchange'; exchange: CapturedExchange }
  | { type: 'check'; check: FlowCheck }
  | { type: 'failure'; failure: FlowFailure }
  | { type: 'finished'; outcome: 'success' | 'failed' | 'cancelled' };

/** What the engine needs from its host (the player page, or a Node test). Injected, never global. */
/**
 * What a client keeps after a successful run so another page can go on with it: where the server
 * and its authorization server are, which client it is, and the tokens. Enough to call tools,
 * refresh, step up and revoke, without repeating discovery, registration and sign-in.
 */
export interface KeptAuthorization {
  serverUrl: string;
  transport: Transport;
  /** The protocol revision the client spoke; absent: 2025-11-25. */
  revision?: ProtocolRevision;
  registration: Registration;
  issuer: string;
  authorizationServer: {
    authorization_endpoint: string;
    token_endpoint: string;
    revocation_endpoint?: string;
    authorization_response_iss_parameter_supported?: boolean;
  };
  clientId: string;
  redirectUri: string;
  tokens: { access_token: string; refresh_token?: string; scope?: string };
  /** When the access token stops working (from the token response's expires_in), if it said. */
  expiresAt?: number;
  /** When the newest token was obtained. */
  obtainedAt: number;
}

export interface FlowEnvironment {
  /** The real fetch; the engine wraps it to capture every exchange it makes. */
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Shows the authorization URL to the user (the player: in a popup it opened synchronously in
   * the click handler) and resolves with the URL the browser finally landed on, i.e. the client's
   * callback with `code`, `state`, `iss`, or an `error`. Rejects if the user closed the window:
   * with an Error named `PopupBlockedError` when the window could not be opened at all, any
   * other Error when it was closed.
   */
  authorize(url: URL, signal: AbortSignal): Promise<URL>;
  /** The trace the page's own exchanges belong to (`CapturedExchange.traceId`); default `''`. */
  traceId?: string;
  /**
   * The Worker's records of this trace, where there is one (the backlog first, synchronously,
   * then each new one as it arrives). Returns an unsubscribe. The Origin attack lab reads the
   * outcome of its foreign page's requests here: that page cannot read their answers.
   */
  workerRecords?(listener: (exchange: CapturedExchange) => void): () => void;
  /**
   * Sends a request from a page of another origin, as any site the user visits could (the player:
   * a sandboxed frame, whose opaque origin the browser sends as `Origin: null`; it carries the
   * trace's attacker tag so the Worker records it). Resolves with what that page saw, which is never
   * the answer: e.g. `TypeError: Failed to fetch` (the browser refused it), or an opaque response.
   */
  foreignPage?(url: string, init: ForeignRequest, signal: AbortSignal): Promise<string>;
}

/** A request a page of another origin makes with fetch(): `no-cors` sends only what a form could, without asking the server first. */
export interface ForeignRequest {
  method: 'GET' | 'POST';
  mode: 'cors' | 'no-cors';
  headers: Record<string, string>;
  body?: string;
}

/** One run of a flow. Step mode and run mode are the same run driven differently. */
export interface FlowRun {
  readonly config: FlowConfig;
  /** The next action's name (e.g. `authorize`), so the UI can open a popup inside the user's click. */
  readonly nextAction: string | null;
  readonly finished: boolean;
  /** Subscribe to events (all past events are replayed to a new listener first). */
  on(listener: (event: FlowEvent) => void): () => void;
  /** Perform the next action, then pause. */
  step(): Promise<void>;
  /** Perform actions until the end, a failure, or pause(). */
  run(): Promise<void>;
  pause(): void;
  /** Stops the run (`finished: cancelled` if it was not finished) and closes any open stream. */
  cancel(): void;
  /**
   * After the main flow succeeded: refresh the token, step up to more scope, or revoke. A step-up
   * starts with `toolCall` (default: save_note), the call whose 403 names the scopes to add.
   */
  /** `attack`: an attack lab (site/flow/attacks.ts); success means the server refused it as it should. */
  perform(action: OnDemandAction, options?: { toolCall?: ToolCall; attack?: AttackId }): Promise<'success' | 'failed' | 'cancelled'>;
  /** What a client keeps to go on elsewhere: null until the run has succeeded, or once it was revoked. */
  kept(): KeptAuthorization | null;
}
