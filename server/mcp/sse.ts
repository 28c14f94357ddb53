import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { getAgentByName } from 'agents';
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

/**
 * How often a session checks that its stream is still open (seconds). Closing the stream ends the
 * session at once; this check only catches a close that was never reported (the object was
 * restarted, or the Worker holding the stream went away without saying so).
 */
export const STREAM_CHECK_SECONDS = 10 * 60;

/** What became of a message posted into a session. */
export type Delivery = { delivered: true } | { delivered: false; reason: 'no-stream' } | { delivered: false; reason: 'invalid'; message: string };

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

  // #region sse-session-lifetime
  /*
   * Storage is bounded by the stream: a session lives exactly as long as the event stream it
   * answers on. McpAgent stores the grant's props, and the agents library its own tables and
   * schedules; the library deletes none of it when the stream closes (its SSE handler does not even
   * close its socket to this object when the client goes away), and nothing can use it afterwards:
   * every GET mints a new session, so a closed stream is never resumed. So the session ends itself
   * with the library's `destroy()`, which drops every table, deletes the alarm and everything else
   * in storage, and resets the object. It runs when:
   *   - the client goes away: the Worker, which holds the stream, calls `endStream()` (it notices
   *     a client that vanished at the latest when its keep-alive is written, mcp/sse-session.ts);
   *   - this object's socket to the Worker closes from the other side (`onClose`);
   *   - a message is posted without a stream (`receive`): it is answered 404, and the object it
   *     woke up is deleted again;
   *   - the periodic check finds no open stream: a close nobody reported (the object was
   *     restarted while the stream was open).
   * Always from an alarm (`schedule(…)`), in an invocation of its own: `destroy()` ends by aborting
   * the object, which must not cut short the request or RPC that noticed the close.
   */
  async onStart(props?: GrantProps & Record<string, unknown>) {
    await super.onStart(props);
    // Idempotent: one schedule, however often the object wakes.
    await this.scheduleEvery(STREAM_CHECK_SECONDS, 'endIfStreamClosed');
  }

  /** The stream to the Worker closed from its side (or the runtime closed it). */
  async onClose() {
    await this.schedule(0, 'endIfStreamClosed');
  }

  /** The Worker's client went away (mcp/sse-session.ts): close our side and end the session. */
  async endStream(): Promise<void> {
    for (const connection of this.getConnections()) connection.close(1000, 'The SSE stream was closed by the client.');
    await this.schedule(0, 'endIfStreamClosed');
  }

  /** The schedules' callback: deletes everything unless the stream is (still, or again) open. */
  async endIfStreamClosed(): Promise<void> {
    if (this.streamIsOpen()) return;
    await this.destroy();
  }

  /** One message posted to `<path>/message`, answered on the stream; without a stream, nowhere. */
  async receive(message: unknown, headers: Record<string, string>): Promise<Delivery> {
    if (!this.streamIsOpen()) {
      await this.schedule(0, 'endIfStreamClosed');
      return { delivered: false, reason: 'no-stream' };
    }
    const error = await this.onSSEMcpMessage(this.getSessionId(), message, { requestInfo: { headers } });
    return error ? { delivered: false, reason: 'invalid', message: error.message } : { delivered: true };
  }

  private streamIsOpen(): boolean {
    return [...this.getConnections()].some((connection) => connection.readyState === WebSocket.OPEN);
  }
  // #endregion sse-session-lifetime
}

/**
 * The Durable Object of one session, started (its props and tools loaded). The `sse:` prefix is
 * the agents library's naming scheme: the object reads its transport and session id from it.
 */
export function legacySseSession(env: ServerEnv, sessionId: string) {
  return getAgentByName(env.MCP_OBJECT as DurableObjectNamespace<LegacySseSession>, `sse:${sessionId}`);
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
