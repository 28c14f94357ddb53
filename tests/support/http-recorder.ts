/**
 * A fetch that records what an SDK client sent and got back, so a test can check the order of an
 * OAuth flow (401, discovery, registration, token) and the challenges the server answered with.
 * Bodies are read only when they are forms (the token endpoint's), never consumed from responses.
 */
export interface Exchange {
  method: string;
  url: URL;
  status: number;
  wwwAuthenticate: string | null;
  /** The request's form body, for application/x-www-form-urlencoded requests. */
  form?: URLSearchParams;
}

export function recordingFetch(inner: typeof fetch = fetch) {
  const exchanges: Exchange[] = [];
  const recorded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const method = request.method;
    const form = request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(await request.clone().text())
      : undefined;
    const response = await inner(input, init);
    exchanges.push({ method, url: new URL(request.url), status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), form });
    return response;
  };
  return {
    fetch: recorded as typeof fetch,
    exchanges,
    /** "METHOD /path STATUS" lines, for readable assertions and failure messages. */
    summary: () => exchanges.map((e) => `${e.method} ${e.url.pathname} ${e.status}`),
    clear: () => void exchanges.splice(0),
  };
}
