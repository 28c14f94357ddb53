import { McpServer, type AuthInfo } from '@modelcontextprotocol/server';
import { createMcpHandler } from 'agents/mcp/server';
import { env } from 'cloudflare:workers';
import type { ServerEnv } from '../env';
import type { GrantProps } from '../grant-props';
import { SERVER_INFO } from '../server-info';
import { callerOf } from './caller';
import { descriptorOf, type ToolDefinition } from './tools';

/**
 * Streamable HTTP, at /mcp and at each option's endpoint, on the recommended API: `createMcpHandler`
 * with an SDK v2 `McpServer` built per request. It is stateless (there is no session id to steal) and answers 2026-07-28
 * clients and, through its stateless compatibility lane, 2025 ones. Origin, body size, JSON and
 * scopes are checked before it runs (mcp/endpoints.ts), so its own Origin check is told so.
 */
function verified(authInfo: AuthInfo | undefined) {
  // OAuthResourceServer put the verified token in ctx.auth; createMcpHandler maps it to authInfo.
  const props = authInfo?.extra?.props as GrantProps | undefined;
  if (!authInfo || !props) throw new Error('MCP request reached the handler without a verified token');
  return { caller: callerOf(authInfo, props), props };
}

function handlerFor(route: string, tools: ToolDefinition[]) {
  // #region streamable-handler
  return createMcpHandler(
    () => {
      const server = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });
      for (const tool of tools) {
        server.registerTool(
          tool.name,
          descriptorOf(tool),
          async (args: Record<string, unknown>, ctx) => {
            const progressToken = ctx.mcpReq._meta?.progressToken;
            return tool.run(args as never, {
              ...verified(ctx.http?.authInfo),
              transport: 'streamable-http',
              kv: (env as ServerEnv).OAUTH_KV,
              signal: ctx.mcpReq.signal,
              async progress(progress, total, message) {
                if (progressToken === undefined) return;
                await ctx.mcpReq.notify({
                  method: 'notifications/progress',
                  params: { progressToken, progress, total, message },
                });
              },
            });
          },
        );
      }
      return server;
    },
    { route, allowedOriginHostnames: '*', corsOptions: false },
  );
  // #endregion streamable-handler
}

const handlers = new Map<string, ReturnType<typeof handlerFor>>();

/** The Streamable HTTP handler for one MCP endpoint and its tools (built once per endpoint). */
export function streamableHttpHandlerFor(route: string, tools: ToolDefinition[]): ReturnType<typeof handlerFor> {
  let handler = handlers.get(route);
  if (!handler) {
    handler = handlerFor(route, tools);
    handlers.set(route, handler);
  }
  return handler;
}
