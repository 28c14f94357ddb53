import type { ServerEnv } from '../env';
import type { McpServerWorker } from '../server';
import type { TraceSession } from './trace-session';

/** The server's environment plus the lab layer's bindings (declared in the top-level wrangler.jsonc). */
export interface LabEnv extends ServerEnv {
  /** One Durable Object per trace (trace-session.ts), named by the trace id. */
  LAB_TRACES: DurableObjectNamespace<TraceSession>;
  /** Counts started traces per client address (server/http/rate-limit.ts). Optional: without it, no limit. */
  TRACE_LIMITER?: RateLimit;
}

/** What the lab layer needs of the server it wraps: its route table, its options, and a request's context. */
export type TracedServer = Pick<McpServerWorker, 'routes' | 'options' | 'contextFor'>;
