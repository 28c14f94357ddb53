import { vi } from 'vitest';
import { callWorker, ORIGIN } from './worker';

/**
 * The simulated providers are other "sites" on the Worker's own origin, reached with the global
 * fetch as real providers are. Inside workerd tests the Worker cannot reach its made-up origin over
 * the network, so this stands in for the network: each outgoing fetch to ORIGIN is answered by the
 * Worker itself, with the same method, headers and body. Every request is recorded (the back
 * channel, for assertions); `intercept` may answer or rewrite one first, to play a misbehaving
 * provider or a third party such as github.com.
 */
export interface UpstreamCall {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

export interface UpstreamNetwork {
  calls: UpstreamCall[];
  /** The calls to a path (on any origin), e.g. '/simulated/oidc/jwks'. */
  to(pathname: string): UpstreamCall[];
}

type Intercept = (request: Request, forward: (request: Request) => Promise<Response>) => Promise<Response | undefined> | Response | undefined;

export function routeUpstreamToWorker(intercept?: Intercept): UpstreamNetwork {
  const calls: UpstreamCall[] = [];
  const forward = async (request: Request) => {
    if (new URL(request.url).origin !== ORIGIN) throw new TypeError(`unexpected outbound fetch in a test: ${request.url}`);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    return callWorker(request.url, { method: request.method, headers: request.headers, body });
  };
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request: Request = new Request(input, init);
    calls.push({ method: request.method, url: new URL(request.url), headers: new Headers(request.headers), body: new TextDecoder().decode(await request.clone().arrayBuffer()) });
    return (await intercept?.(request.clone() as Request, forward)) ?? forward(request);
  });
  return { calls, to: (pathname) => calls.filter((call) => call.url.pathname === pathname) };
}
