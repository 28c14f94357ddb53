import { describe, expect, it } from 'vitest';
import { initializeRequest } from './support/mcp-client';
import { callWorker } from './support/worker';

// DNS rebinding against a locally run server: the attacker's name resolves to this machine, so the
// page's requests reach the server with that name in Host and the page's own origin in Origin, which
// a check against the request's origin would let through. Plain http at a name that is not loopback
// is never how this server is reached (Cloudflare serves https; a local server is at localhost),
// so every part of it answers 421 before anything runs, never a 500 (server/config.ts).

const REBOUND = 'http://rebound.attacker.example:4321';

describe('plain http at a name that is not loopback', () => {
  it.each([
    ['an MCP endpoint, from the rebound page', '/mcp', { method: 'POST', body: JSON.stringify(initializeRequest()), headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: REBOUND } }],
    ['client registration', '/oauth/register', { method: 'POST', body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }), headers: { 'content-type': 'application/json', origin: REBOUND } }],
    ['the authorization endpoint', '/authorize?response_type=code', {}],
    ['the lab’s trace creation', '/lab/traces', { method: 'POST', headers: { origin: REBOUND } }],
    ['the audience demo', '/lab/demo/no-audience-check/mcp', { method: 'POST', body: '{}', headers: { origin: REBOUND } }],
  ] as const)('%s: 421 Misdirected Request, with the reason', async (_label, path, init) => {
    const response = await callWorker(new URL(path, REBOUND), init as RequestInit);
    expect(response.status).toBe(421);
    const body = (await response.json()) as { error_description: string };
    expect(body.error_description).toContain('rebound.attacker.example');
    expect(body.error_description).toContain('PUBLIC_ORIGIN');
  });

  it('https at the same name is answered as usual (Cloudflare routes https names to the Worker)', async () => {
    const response = await callWorker('https://rebound.attacker.example/.well-known/oauth-authorization-server');
    expect(response.status).toBe(200);
  });
});
