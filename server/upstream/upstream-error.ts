import type { FailureCode } from '../failure-codes';
import { upstreamFetch } from './upstream-fetch';

/**
 * A provider failed or answered something this Worker cannot trust. `code` is what the MCP client
 * is told (an RFC 6749 §4.1.2.1 error, redirected with its state and iss); `publicDescription` is
 * safe to show; the message, for the logs, says which check failed and never holds a token.
 */
export type UpstreamErrorCode = 'access_denied' | 'server_error' | 'temporarily_unavailable';

export class UpstreamError extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    readonly publicDescription: string,
    detail: string,
    /** What kind of failure it is, for the client beside `code` (server/failure-codes.ts). */
    readonly failure?: FailureCode,
  ) {
    super(detail);
  }
}

const TIMEOUT_MS = 10_000;

/**
 * One call to a provider, over HTTP (upstream-fetch.ts: the global fetch, or this Worker's SELF
 * binding for its own simulated providers; a tracing layer around the server sees both as
 * back-channel exchanges). Network failures, timeouts and 5xx are `temporarily_unavailable`: the same request
 * may work later. Other statuses are returned for the caller to judge.
 */
export async function callProvider(provider: string, url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await upstreamFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UpstreamError('temporarily_unavailable', `${provider} could not be reached.`, `${new URL(url).origin}${new URL(url).pathname}: ${reason}`);
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new UpstreamError('temporarily_unavailable', `${provider} is having problems (HTTP ${response.status}).`, `${new URL(url).pathname} answered ${response.status}`);
  }
  return response;
}

/** The JSON object in a provider's answer, or an UpstreamError naming what came instead. */
export async function jsonObject(provider: string, response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text().catch(() => '');
  try {
    const value = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {}
  throw new UpstreamError('server_error', `${provider} sent an answer this server cannot read.`, `${what}: HTTP ${response.status}, not a JSON object`);
}
