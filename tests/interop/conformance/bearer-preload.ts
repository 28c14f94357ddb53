import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { Agent, setGlobalDispatcher, type Dispatcher } from 'undici';

/**
 * Loaded into the conformance CLI (`node --import`). Its server scenarios connect without
 * credentials and have no option to add some, so this adds `Authorization: Bearer <token>` to
 * every HTTP request for the lab's origin: through undici's global dispatcher (Node's fetch, used
 * by the SDK client inside the suite, and undici's `request`) and through `node:http` (its raw
 * header checks). The token is a real one the test obtained through the OAuth flow, and the
 * server runs unchanged: no test-only switch exists in it.
 */
const token = process.env.LAB_CONFORMANCE_BEARER_TOKEN;
const origin = process.env.LAB_CONFORMANCE_ORIGIN;
if (!token || !origin) throw new Error('bearer-preload: set LAB_CONFORMANCE_BEARER_TOKEN and LAB_CONFORMANCE_ORIGIN');
const target = new URL(origin);
const bearer = `Bearer ${token}`;

/** A request that brings its own Authorization (or a deliberately bad one) keeps it. */
const hasAuthorization = (names: Iterable<string>) => [...names].some((name) => name.toLowerCase() === 'authorization');

function undiciHeadersWithBearer(headers: Dispatcher.DispatchOptions['headers']): string[] {
  const flat: string[] = [];
  if (Array.isArray(headers)) flat.push(...headers.map(String));
  else if (headers && typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, string | string[]]>) flat.push(name, String(value));
  } else if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) flat.push(name, String(one));
    }
  }
  if (!hasAuthorization(flat.filter((_, index) => index % 2 === 0))) flat.push('authorization', bearer);
  return flat;
}

setGlobalDispatcher(
  new Agent().compose((dispatch) => (options, handler) => {
    const to = options.origin ? new URL(String(options.origin)).origin : undefined;
    return dispatch(to === target.origin ? { ...options, headers: undiciHeadersWithBearer(options.headers) } : options, handler);
  }),
);

// node:http, in the one form the suite uses: request({ hostname, port, headers, ... }, callback).
const originalRequest = http.request;
http.request = function requestWithBearer(this: unknown, ...args: unknown[]) {
  const [options] = args;
  if (options && typeof options === 'object' && !(options instanceof URL)) {
    const { hostname, host, port, headers = {} } = options as http.RequestOptions;
    const sameTarget = (hostname ?? host) === target.hostname && String(port) === target.port;
    if (sameTarget && !hasAuthorization(Object.keys(headers as object))) {
      args[0] = { ...(options as object), headers: { ...(headers as object), authorization: bearer } };
    }
  }
  return (originalRequest as (...a: unknown[]) => http.ClientRequest).apply(this, args);
} as typeof http.request;
syncBuiltinESMExports();
