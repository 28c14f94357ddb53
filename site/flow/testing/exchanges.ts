import type { ActorId, CapturedExchange, Channel } from '../types';

/**
 * Test shorthand for captured exchanges: `ex('api', 'POST', '/mcp', 401, body)` → an exchange of
 * option 1 at the next tick of the factory's own clock, between the actors the lab's tracing
 * would name (browser for navigations, the page's client otherwise; MCP server, authorization
 * server or the lab's own pages by path).
 */
export function exchangeFactory() {
  let clock = 0;
  const targetActor = (target: string): ActorId =>
    /^\/(mcp|\.well-known\/oauth-protected-resource)/.test(target) ? 'mcp' : target.startsWith('/lab/') ? 'client' : 'as';
  return function ex(
    channel: Channel,
    method: string,
    target: string,
    status: number | null,
    body: string | null = null,
    source: 'page' | 'worker' = channel === 'api' ? 'page' : 'worker',
  ): CapturedExchange {
    clock += 10;
    return {
      id: `${source}-${clock}`,
      traceId: 't',
      source,
      channel,
      from: channel === 'front' ? 'browser' : 'client',
      to: targetActor(target),
      method,
      url: `http://localhost:1234${target}`,
      status,
      requestHeaders: [],
      requestBody: body,
      responseHeaders: [],
      responseBody: null,
      startedAt: clock,
      endedAt: clock + 5,
      redacted: [],
    };
  };
}
