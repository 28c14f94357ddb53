/**
 * Contracts of the flow player: diagrams as data, the flow engine's events, and step states.
 * One engine runs every mode (step, run, replay) and every auth option; what differs is data.
 */
import type { ActorId, CapturedExchange, Channel } from '../../server/lab/exchange';

export type { ActorId, CapturedExchange, Channel };

/** A message's state on the diagram (`data-state`). `skipped`: an optional step that did not happen. */
export type StepState = 'pending' | 'active' | 'done' | 'error' | 'skipped';

/**
 * Recognises a step's exchange. `path` is matched against the URL path: `*` matches one path
 * segment's characters, `**` anything. `status` is what success looks like (`200`, `2xx`, `302`,
 * `401`): an exchange that is recognised but has another status puts the step in `error`.
 */
export interface ExchangeMatcher {
  channel: Channel;
  method: string;
  path: string;
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
export type Registration = 'dcr' | 'cimd' | 'preregistered';
export type Transport = 'streamable-http' | 'sse';

/** Deliberate mistakes a learner can inject to see how each failure looks and why it fails. */
export type Sabotage = 'wrong-verifier' | 'wrong-state' | 'omit-resource' | 'replay-code';

export interface FlowConfig {
  /** The MCP endpoint, e.g. `https://lab.example.com/mcp`. */
  serverUrl: string;
  transport: Transport;
  registration: Registration;
  /** Scopes to request (default: what the 401 challenge names). */
  scopes?: string[];
  sabotage?: Sabotage;
  /** The tool call to make at the end of the flow. */
  toolCall?: { name: string; arguments: Record<string, unknown> };
}

/** A check the in-page client makes that SDKs often skip, reported whether it passes or not. */
export interface FlowCheck {
  id: 'state' | 'iss' | 'issuer-match' | 's256-advertised' | 'resource-sent' | 'audience';
  ok: boolean;
  message: string;
  spec: { label: string; href: string };
}

/** A failure explained for a learner: what went wrong, the likely cause, the fix. */
export interface FlowFailure {
  title: string;
  /** What the server (or browser) said, verbatim. */
  serverSaid?: string;
  cause: string;
  fix: string;
  spec?: { label: string; href: string };
  /** The exchange that showed it, when there is one. */
  exchangeId?: string;
}

export type FlowEvent =
  | { type: 'action'; action: string; phase: 'start' | 'end' }
  | { type: 'exchange'; exchange: CapturedExchange }
  | { type: 'check'; check: FlowCheck }
  | { type: 'failure'; failure: FlowFailure }
  | { type: 'finished'; outcome: 'success' | 'failed' | 'cancelled' };

/** What the engine needs from its host (the player page, or a Node test). Injected, never global. */
export interface FlowEnvironment {
  /** The real fetch; the engine wraps it to capture every exchange it makes. */
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Shows the authorization URL to the user (the player: in a popup it opened synchronously in
   * the click handler) and resolves with the URL the browser finally landed on, i.e. the client's
   * callback with `code`, `state`, `iss`, or an `error`. Rejects if the user closed the window.
   */
  authorize(url: URL, signal: AbortSignal): Promise<URL>;
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
  cancel(): void;
}
