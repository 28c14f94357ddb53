import type { OAuthResourceServer } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import type { GrantProps } from '../grant-props';
import { callerOf } from './caller';
import { baselineChallenge, protectedResource, readMcpMessages, type McpEndpoint } from './endpoints';
import { openSseSession, postToSseSession } from './sse-session';

/**
 * An MCP endpoint over legacy HTTP+SSE (GET <path> opens the stream, POST <path>/message sends),
 * protected the same way, with each session bound to its user and client (mcp/sse-session.ts).
 * Its tools are the shared ones (mcp/sse.ts registers them in the session's Durable Object).
 */
export function sseMcpEndpoint(endpoint: McpEndpoint): OAuthResourceServer<ServerEnv, GrantProps> {
  const byName = new Map(endpoint.tools.map((tool) => [tool.name, tool]));
  // #region sse-endpoint
  return protectedResource(endpoint, async (request, env, ctx) => {
    const baseline = baselineChallenge(ctx.auth);
    if (baseline) return baseline;
    const caller = callerOf({ ...ctx.auth, scopes: ctx.auth.scope, resource: ctx.auth.audience }, ctx.props);
    if (request.method === 'GET') return openSseSession(endpoint.path, request, env, ctx, caller);
    if (request.method === 'POST') {
      const checked = await readMcpMessages(request, ctx.auth, byName);
      if (checked instanceof Response) return checked;
      return postToSseSession(endpoint.path, request, checked.body, env, caller);
    }
    return new Response('Method Not Allowed', { status: 405, headers: { Allow: 'GET, POST' } });
  });
  // #endregion sse-endpoint
}
