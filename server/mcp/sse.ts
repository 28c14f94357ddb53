import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpAgent } from 'agents/mcp';
import type { ServerEnv } from '../env';
import type { GrantProps } from '../grant-props';
import { SERVER_INFO } from '../server-info';
import type { Caller } from './caller';
import { descriptorOf, TOOLS } from './tools';

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05), for old clients. It exists only through the
 * deprecated, feature-frozen `McpAgent.serveSSE`, which runs one Durable Object per session. Two
 * holes in it are closed around it: it checks no Origin (server.ts checks every MCP endpoint's),
 * and it lets any token holder post into any session id (mcp/sse-session.ts binds sessions).
 */

/**
 * Set by mcp/sse-session.ts on every POST after it verified the token (any copy sent by the
 * client is removed first). The session's own props are frozen when the stream opens, so this is
 * how a tool sees the token of *this* message: its scopes and expiry may differ after a refresh.
 */
export const CALLER_HEADER = 'x-mcp-verified-caller';

// McpAgent wants the Worker's whole Env (Cloudflare.Env, from this Worker's own wrangler types, or
// empty without them); the server adds what it needs.
export class LegacySseSession extends McpAgent<ServerEnv & Cloudflare.Env, unknown, GrantProps & Record<string, unknown>> {
  server = new McpServer(SERVER_INFO, { capabilities: { tools: {} } });

  // #region sse-session-tools
  async init() {
    for (const tool of TOOLS) {
      this.server.registerTool(
        tool.name,
        descriptorOf(tool),
        async (args: Record<string, unknown>, extra) => {
          const header = extra.requestInfo?.headers?.[CALLER_HEADER];
          if (typeof header !== 'string') throw new Error('SSE message reached the session without a verified caller');
          const caller = JSON.parse(header) as Caller;
          const progressToken = extra._meta?.progressToken;
          return tool.run(args as never, {
            caller,
            props: this.props as GrantProps,
            transport: 'sse',
            kv: this.env.OAUTH_KV,
            signal: extra.signal,
            async progress(progress, total, message) {
              if (progressToken === undefined) return;
              await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress, total, message },
              });
            },
          });
        },
      );
    }
  }
  // #endregion sse-session-tools
}

const handlers = new Map<string, ReturnType<typeof LegacySseSession.serveSSE>>();

/** The SSE handler for the stream at `path` (messages go to `<path>/message`), built once per path. */
export function legacySseHandler(path: string) {
  let handler = handlers.get(path);
  if (!handler) {
    handler = LegacySseSession.serveSSE(path, { binding: 'MCP_OBJECT' });
    handlers.set(path, handler);
  }
  return handler;
}
