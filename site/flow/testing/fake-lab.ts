import { FAILURE_PARAMETER, type FailureCode } from '../../../server/failure-codes';
import { s256Challenge } from '../pkce';

/**
 * A scripted stand-in for the lab's Worker, for the engine's unit tests: just enough of the
 * authorization server (metadata, DCR, /authorize as a user who approves, token, revocation) and
 * of both MCP transports to run every flow in memory. `tweak` bends one answer at a time, to see
 * how the engine reacts to a server that gets something wrong.
 */
export interface Tweaks {
  challenge?: string | null;
  resourceMetadata?: (doc: Record<string, unknown>) => Record<string, unknown> | null;
  authServerMetadata?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** Rewrites the callback URL the "user" lands on (another iss, an error…). */
  callback?: (url: URL) => URL;
  /** Answers a request instead of the fake, when it returns a Response. */
  intercept?: (request: Request) => Response | undefined;
  /** Signing in through a provider behind the Worker (options 2, 3a) fails: the error redirect the Worker sends then. */
  provider?: keyof typeof PROVIDER_FAILURES;
}

/** A failure code as the real server names it beside the standard fields (server/failure-codes.ts). */
const named = (code: FailureCode) => ({ [FAILURE_PARAMETER]: code });

/**
 * What the Worker redirects the client to when signing in at a provider fails
 * (server/options/provider-sign-in.ts): error, error_description, then the code where it sends one.
 */
export const PROVIDER_FAILURES = {
  cancelled: { error: 'access_denied', error_description: 'The sign-in at Simulated GitHub was cancelled.', ...named('provider-cancelled') },
  'refused-code': { error: 'server_error', error_description: 'Simulated GitHub refused the sign-in (bad_verification_code).', ...named('provider-refused-code') },
  'id-token-rejected': { error: 'server_error', error_description: 'The ID token from Simulated OIDC provider could not be verified.', ...named('id-token-rejected') },
  unavailable: { error: 'temporarily_unavailable', error_description: 'Simulated OIDC provider is having problems (HTTP 500).' },
  'no-userinfo': { error: 'server_error', error_description: 'Simulated OIDC provider did not answer userinfo.' },
} as const satisfies Record<string, { error: string; error_description: string; [FAILURE_PARAMETER]?: FailureCode }>;

interface Grant {
  clientId: string;
  scope: string;
  resource: string | null;
  challenge: string;
  used: boolean;
  revoked: boolean;
}

export function fakeLab(origin = 'http://lab.test', tweaks: Tweaks = {}) {
  const issuer = origin;
  const grants = new Map<string, Grant>(); // by code
  const tokens = new Map<string, Grant>(); // access and refresh tokens → their grant
  const streams = new Map<string, ReadableStreamDefaultController<Uint8Array>>(); // SSE sessions
  const received: { method: string; path: string; body: string; headers: Headers }[] = [];
  let counter = 0;
  const next = (prefix: string) => `${prefix}-${++counter}`;
  const encoder = new TextEncoder();
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  const challenge = (path: string, extra = '') =>
    tweaks.challenge === null
      ? 'Bearer realm="OAuth"'
      : (tweaks.challenge ?? `Bearer realm="OAuth", resource_metadata="${origin}/.well-known/oauth-protected-resource${path}", scope="mcp:read"${extra}`);

  function issue(grant: Grant) {
    const access = next('access');
    const refresh = next('refresh');
    tokens.set(access, grant);
    tokens.set(refresh, grant);
    return json({ access_token: access, token_type: 'bearer', expires_in: 3600, refresh_token: refresh, scope: grant.scope, ...(grant.resource && { resource: grant.resource }) });
  }

  /** What an MCP endpoint answers a JSON-RPC message with, given the token's grant. */
  function mcpAnswer(message: { id?: number; method: string; params?: { name?: string } }, grant: Grant, transport: string): Response | object | null {
    if (message.method === 'tools/call' && message.params?.name === 'save_note' && !grant.scope.split(' ').includes('mcp:write')) {
      const path = transport === 'sse' ? '/sse' : '/mcp';
      return new Response(JSON.stringify({ error: 'insufficient_scope' }), {
        status: 403,
        headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="${origin}/.well-known/oauth-protected-resource${path}"` },
      });
    }
    if (message.id === undefined) return null;
    const result =
      message.method === 'initialize'
        ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } }
        : message.method === 'server/discover'
          ? { supportedVersions: ['2025-11-25', '2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } }
        : message.method === 'tools/list'
          ? { tools: [{ name: 'whoami' }, { name: 'save_note' }] }
          : { content: [{ type: 'text', text: `${message.params?.name} ran for ${grant.clientId} with ${grant.scope}` }] };
    return { jsonrpc: '2.0', id: message.id, result };
  }

  function bearer(request: Request, resource: string): Grant | null {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
    const grant = token ? tokens.get(token) : undefined;
    if (!grant || grant.revoked || !token!.startsWith('access') || (grant.resource ?? `${origin}/mcp`) !== resource) return null;
    return grant;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.text() : '';
    received.push({ method: request.method, path: url.pathname, body, headers: request.headers });
    const intercepted = tweaks.intercept?.(request);
    if (intercepted) return intercepted;
    const form = new URLSearchParams(body);
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /.well-known/oauth-protected-resource/mcp':
      case 'GET /.well-known/oauth-protected-resource/sse': {
        const doc = { resource: origin + url.pathname.replace('/.well-known/oauth-protected-resource', ''), authorization_servers: [issuer], scopes_supported: ['mcp:read'] };
        const tweaked = tweaks.resourceMetadata ? tweaks.resourceMetadata(doc) : doc;
        return tweaked ? json(tweaked) : json({ error: 'not_found' }, 404);
      }
      case 'GET /.well-known/oauth-authorization-server': {
        const doc = {
          issuer,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/oauth/token`,
          registration_endpoint: `${origin}/oauth/register`,
          revocation_endpoint: `${origin}/oauth/token`,
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
          client_id_metadata_document_supported: true,
        };
        return json(tweaks.authServerMetadata ? tweaks.authServerMetadata(doc) : doc);
      }
      case 'POST /oauth/register':
        return json({ client_id: next('client'), ...JSON.parse(body) }, 201);
      case 'GET /lab/client':
        return json({ client_id: 'preregistered-client', redirect_uri: `${origin}/lab/callback` });
      case 'POST /oauth/token': {
        if (form.has('token')) {
          const grant = tokens.get(form.get('token')!);
          if (grant && form.get('token')!.startsWith('refresh')) grant.revoked = true;
          return new Response(null, { status: 200 });
        }
        if (form.get('grant_type') === 'refresh_token') {
          const grant = tokens.get(form.get('refresh_token')!);
          if (!grant || grant.revoked) return json({ error: 'invalid_grant', error_description: 'Invalid refresh token' }, 400);
          return issue(grant);
        }
        const grant = grants.get(form.get('code')!);
        if (!grant) return json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, 400);
        if (grant.used) {
          grant.revoked = true;
          return json({ error: 'invalid_grant', error_description: 'Authorization code already used', ...named('code-replayed') }, 400);
        }
        if ((await s256Challenge(form.get('code_verifier') ?? '')) !== grant.challenge) {
          return json({ error: 'invalid_grant', error_description: 'Invalid PKCE code_verifier', ...named('pkce-verifier-mismatch') }, 400);
        }
        grant.used = true;
        return issue({ ...grant, resource: form.get('resource') ?? grant.resource ?? `${origin}/mcp` });
      }
      case 'POST /mcp': {
        if (request.headers.has('origin') && request.headers.get('origin') !== origin) {
          return json({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin "x" is not allowed to call this MCP server.', data: named('origin-not-allowed') }, id: null }, 403);
        }
        const grant = bearer(request, `${origin}/mcp`);
        if (!grant) return new Response(null, { status: 401, headers: { 'www-authenticate': challenge('/mcp', request.headers.has('authorization') ? ', error="invalid_token"' : '') } });
        const answer = mcpAnswer(JSON.parse(body), grant, 'streamable-http');
        if (answer instanceof Response) return answer;
        if (!answer) return new Response(null, { status: 202 });
        return new Response(`event: message\ndata: ${JSON.stringify(answer)}\n\n`, { headers: { 'content-type': 'text/event-stream' } });
      }
      case 'GET /sse': {
        const grant = bearer(request, `${origin}/sse`);
        if (!grant) return new Response(null, { status: 401, headers: { 'www-authenticate': challenge('/sse') } });
        const session = next('session');
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            streams.set(session, controller);
            controller.enqueue(encoder.encode(`event: endpoint\ndata: /sse/message?sessionId=${session}\n\n`));
          },
          cancel() {
            streams.delete(session);
          },
        });
        request.signal.addEventListener('abort', () => streams.delete(session));
        return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
      }
      case 'POST /sse/message': {
        const grant = bearer(request, `${origin}/sse`);
        if (!grant) return new Response(null, { status: 401, headers: { 'www-authenticate': challenge('/sse', ', error="invalid_token"') } });
        const controller = streams.get(url.searchParams.get('sessionId')!);
        if (!controller) return json({ error: 'no session' }, 404);
        const answer = mcpAnswer(JSON.parse(body), grant, 'sse');
        if (answer instanceof Response) return answer;
        if (answer) queueMicrotask(() => controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(answer)}\n\n`)));
        return new Response('Accepted', { status: 202 });
      }
    }
    return json({ error: 'not_found' }, 404);
  }

  /** The user: signs in, approves everything asked for, and lands on the callback. */
  async function authorize(url: URL): Promise<URL> {
    const code = next('code');
    const params = url.searchParams;
    grants.set(code, {
      clientId: params.get('client_id')!,
      scope: params.get('scope') ?? 'mcp:read',
      resource: params.get('resource'),
      challenge: params.get('code_challenge')!,
      used: false,
      revoked: false,
    });
    const callback = new URL(params.get('redirect_uri')!);
    callback.search = new URLSearchParams({ code, state: params.get('state')!, iss: issuer }).toString();
    if (tweaks.provider) {
      const { error, error_description, ...failure } = PROVIDER_FAILURES[tweaks.provider];
      callback.search = new URLSearchParams({ error, error_description, state: params.get('state')!, iss: issuer, ...failure }).toString();
    }
    return tweaks.callback ? tweaks.callback(callback) : callback;
  }

  return {
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => handle(new Request(input, init))) as typeof fetch,
    authorize,
    received,
    /** Requests received, as `METHOD /path` lines. */
    log: () => received.map((request) => `${request.method} ${request.path}`),
    openStreams: () => streams.size,
  };
}
