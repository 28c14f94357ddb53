/**
 * What a trace is made of: captured HTTP exchanges, as data. The page records its own fetches
 * (channel `api`); the Worker records what the page cannot see — browser navigations through
 * the authorization pages (`front`) and its own outgoing calls (`back`) — and streams them to
 * the page that started the trace. Shared by the Worker (server/lab/) and the browser
 * (site/flow/); the browser imports it, the server never imports from site/.
 */

/** The boxes on a sequence diagram. */
export type ActorId =
  | 'browser' // the user agent: the popup with the sign-in and consent pages
  | 'client' // the MCP client: the lab page's own code
  | 'mcp' // the MCP server (resource server)
  | 'as' // the authorization server (the Worker for option 1; a provider for option 3b)
  | 'upstream' // a third-party identity provider behind the Worker (options 2 and 3a)
  | 'attacker'; // an attack lab's attacker: requests the page makes on the attacker's behalf

/**
 * `api`: a page's fetches: the lab page's own (recorded by the page), and in the Origin attack lab
 * those of the attacker's page of another origin (recorded by the Worker: the lab page cannot see
 * them). `front`: browser navigations. `back`: the Worker's own calls.
 */
export type Channel = 'api' | 'front' | 'back';

/**
 * The query parameter that carries a trace's attacker tag (server/lab/trace-cookie.ts) on the
 * requests of the Origin attack lab's foreign page; the Worker's lab layer takes it off before
 * the server sees the request.
 */
export const ATTACKER_TAG_PARAMETER = 'lab-attacker';

/**
 * The wrong-audience lab's isolated demo (server/lab/audience-demo.ts): this Worker's MCP endpoint
 * code with the audience check switched off, read-only, in the lab layer only.
 */
export const AUDIENCE_DEMO_PATH = '/lab/demo/no-audience-check/mcp';

export type HeaderList = [name: string, value: string][];

export interface CapturedExchange {
  /** Unique within the trace: `page-<n>` or `worker-<n>`. */
  id: string;
  traceId: string;
  /** Who captured it. */
  source: 'page' | 'worker';
  channel: Channel;
  from: ActorId;
  to: ActorId;
  method: string;
  /** Absolute URL. Secrets in the query are replaced when the Worker captured it. */
  url: string;
  /** HTTP status, or null when no response came (network error, CORS, aborted). */
  status: number | null;
  requestHeaders: HeaderList;
  requestBody: string | null;
  responseHeaders: HeaderList;
  /** Text bodies up to a limit; streams are captured as far as they were read. */
  responseBody: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  /** What was replaced before the exchange left the Worker, e.g. `query.code`, `header.set-cookie`. */
  redacted: string[];
  /** When `status` is null: why (e.g. `TypeError: Failed to fetch`). */
  error?: string;
}

/** Messages on a trace's event stream (a WebSocket from /lab/traces/<id>/events). */
export type TraceEvent =
  | { type: 'hello'; traceId: string; expiresAt: number }
  | { type: 'exchange'; exchange: CapturedExchange }
  | { type: 'expired' };

/** The text a redacted value is replaced with; the length hint helps learners see it was there. */
export const redactedValue = (kind: string, value: string) => `[redacted ${kind}, ${value.length} chars]`;
