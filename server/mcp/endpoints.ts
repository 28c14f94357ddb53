import { OAuthResourceServer, insufficientScope, type OAuthResourceAuth } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import { BodyTooLargeError, MAX_BODY_BYTES, readBodyText, withBody } from '../http/body';
import { INVALID_REQUEST, jsonRpcError, parseJsonRpc, type JsonRpcMessage } from '../http/json-rpc';
import { authorizationServerFor, MCP_PATHS } from '../oauth/authorization-server';
import { fitsKvLookup } from '../oauth/kv-key-limits';
import type { GrantProps } from '../oauth/grant-props';
import { BASELINE_SCOPES, missingScopes } from '../scopes';
import { openSseSession, postToSseSession } from './sse-session';
import { streamableHttpHandler } from './streamable';
import { TOOLS_BY_NAME, type Caller } from './tools';

/**
 * The protected MCP endpoints of option 1. Each is an RFC 9728 protected resource with its own
 * audience: a token for /mcp is refused at /sse and the other way round. The library answers
 * unauthenticated requests (401 + WWW-Authenticate with resource_metadata and scope) and serves
 * /.well-known/oauth-protected-resource/<path>; what reaches the handlers here has a valid token.
 */

/** Body checks shared by both transports: 413, JSON-RPC parse errors, then scope step-up. */
export async function readMcpMessages(
  request: Request,
  auth: OAuthResourceAuth,
): Promise<{ body: string; messages: JsonRpcMessage[] } | Response> {
  let body: string;
  try {
    body = await readBodyText(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return jsonRpcError(413, INVALID_REQUEST, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`);
    }
    throw error;
  }
  const messages = parseJsonRpc(body);
  if (messages instanceof Response) return messages;
  for (const message of messages) {
    if (message.method !== 'tools/call') continue;
    const tool = TOOLS_BY_NAME.get(String(message.params?.name));
    if (!tool) continue; // an unknown tool is the MCP server's to answer (a JSON-RPC error)
    const missing = missingScopes(auth.scope, tool.requiredScopes);
    if (missing.length > 0) {
      // RFC 6750 §3.1 / MCP "scope challenge": 403 naming every scope the call needs.
      return insufficientScope(auth, tool.requiredScopes, `The ${tool.name} tool needs the ${missing.join(' ')} scope.`);
    }
  }
  return { body, messages };
}

/**
 * The baseline scope is needed for any MCP traffic, not only tool calls: a token granted without
 * it (the user unticked it on the consent page) is asked to step up before anything runs.
 */
function baselineChallenge(auth: OAuthResourceAuth): Response | null {
  if (missingScopes(auth.scope, BASELINE_SCOPES).length === 0) return null;
  return insufficientScope(auth, BASELINE_SCOPES, `This server needs the ${BASELINE_SCOPES.join(' ')} scope for any request.`);
}

export function callerOf(auth: OAuthResourceAuth, props: GrantProps): Caller {
  return {
    userId: props.userId,
    userName: props.userName,
    clientId: auth.clientId ?? '',
    scopes: auth.scope,
    expiresAt: auth.expiresAt,
    resource: auth.audience,
  };
}

type McpResourceServers = Record<keyof typeof MCP_PATHS, OAuthResourceServer<ServerEnv, GrantProps>>;
const resourceServers = new Map<string, McpResourceServers>();

export function mcpResourceServersFor(origin: string): McpResourceServers {
  const cached = resourceServers.get(origin);
  if (cached) return cached;
  const authorizationServer = authorizationServerFor(origin);
  function protect(
    path: string,
    resourceName: string,
    fetch: (request: Request, env: ServerEnv, ctx: ExecutionContext & { props: GrantProps; auth: OAuthResourceAuth }) => Promise<Response>,
  ) {
    return new OAuthResourceServer<ServerEnv, GrantProps>({
      resourceMetadata: {
        resource: origin + path,
        authorization_servers: [origin],
        bearer_methods_supported: ['header'],
        resource_name: resourceName,
      },
      requiredScopes: BASELINE_SCOPES,
      // A token too long to be ours is invalid (401), not a KV failure (oauth/kv-key-limits.ts).
      validateToken: (env) => async (resource, token) =>
        fitsKvLookup(token) ? authorizationServer.validateToken<GrantProps>(resource, token, env) : null,
      handler: { fetch },
    });
  }
  const servers: McpResourceServers = {
    streamableHttp: protect(MCP_PATHS.streamableHttp, 'MCP Auth Lab — Streamable HTTP', async (request, env, ctx) => {
      const baseline = baselineChallenge(ctx.auth);
      if (baseline) return baseline;
      if (request.method !== 'POST') return streamableHttpHandler(request, env, ctx);
      const checked = await readMcpMessages(request, ctx.auth);
      if (checked instanceof Response) return checked;
      return streamableHttpHandler(withBody(request, checked.body), env, ctx);
    }),
    sse: protect(MCP_PATHS.sse, 'MCP Auth Lab — legacy HTTP+SSE', async (request, env, ctx) => {
      const baseline = baselineChallenge(ctx.auth);
      if (baseline) return baseline;
      const caller = callerOf(ctx.auth, ctx.props);
      if (request.method === 'GET') return openSseSession(request, env, ctx, caller);
      if (request.method === 'POST') {
        const checked = await readMcpMessages(request, ctx.auth);
        if (checked instanceof Response) return checked;
        return postToSseSession(request, checked.body, env, ctx, caller);
      }
      return new Response('Method Not Allowed', { status: 405, headers: { Allow: 'GET, POST' } });
    }),
  };
  resourceServers.set(origin, servers);
  return servers;
}
