import { FAILURE_PARAMETER, type FailureCode } from '../failure-codes';

/**
 * Origin validation for the MCP endpoints (MCP transports: "Servers MUST validate the Origin
 * header on all incoming connections to prevent DNS rebinding attacks"). A request without
 * Origin comes from a non-browser client and is allowed; a browser's Origin must be exactly
 * one we trust. An untrusted one is refused with 403 before authentication is even looked at.
 */
export function originRejection(request: Request, allowed: ReadonlySet<string>): Response | null {
  const origin = request.headers.get('origin');
  if (origin === null || allowed.has(origin)) return null;
  return Response.json(
    {
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message: `Forbidden: Origin ${JSON.stringify(origin).slice(0, 200)} is not allowed to call this MCP server.`,
        data: { [FAILURE_PARAMETER]: 'origin-not-allowed' satisfies FailureCode },
      },
      id: null,
    },
    { status: 403 },
  );
}

/** CORS for allowed cross-origin browsers (e.g. a configured ALLOWED_ORIGINS entry). */
export function withCors(response: Response, request: Request, ownOrigin: string): Response {
  const origin = request.headers.get('origin');
  if (!origin || origin === ownOrigin) return response;
  const headers = new Headers(response.headers);
  headers.set('Access-Control-Allow-Origin', origin);
  headers.append('Vary', 'Origin');
  headers.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': request.headers.get('origin') ?? '',
      'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
      'Access-Control-Allow-Headers':
        'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID',
      'Access-Control-Max-Age': '86400',
      Vary: 'Origin',
    },
  });
}
