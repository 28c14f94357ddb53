import { exports } from 'cloudflare:workers';

/**
 * The Worker under test (support/test-worker.ts: the companion server in the lab's tracing layer,
 * with a stand-in for the site), reached through the plugin's `exports.default` binding with real
 * Request objects. Every request goes to one deployed-looking https origin: the issuer, the
 * resources and the cookies are all derived from it.
 */
export const ORIGIN = 'https://lab.example';
export const MCP_RESOURCE = `${ORIGIN}/mcp`;
export const SSE_RESOURCE = `${ORIGIN}/sse`;

/** Sends one request to the Worker. Redirects are never followed: tests look at Location. */
export function callWorker(target: string | URL, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(new URL(target, ORIGIN), { ...init, redirect: 'manual' }));
}

/** The same, in the shape of `fetch`, for helpers that take a fetch option (headless-user.ts). */
export const workerFetch: typeof fetch = (input, init) => callWorker(input instanceof Request ? input.url : input, init);

export function postForm(target: string, form: Record<string, string | string[]> | URLSearchParams, headers: Record<string, string> = {}) {
  const body = form instanceof URLSearchParams ? form : new URLSearchParams();
  if (!(form instanceof URLSearchParams)) {
    for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) body.append(name, item);
  }
  return callWorker(target, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}

export function postJson(target: string, value: unknown, headers: Record<string, string> = {}) {
  return callWorker(target, { method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } });
}
