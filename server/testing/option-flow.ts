import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTH_OPTIONS, type AuthOptionEntry, type AuthOptionId } from '../catalogue';
import type { McpServerWorker } from '../server';
import { McpTestClient } from './mcp-client';

/**
 * The whole flow of one auth option, end to end inside workerd, against the Worker this test
 * project runs (its wrangler main: server/index.ts in the course repository, src/index.ts in a
 * starter): the 401 challenge, discovery, registration, sign-in and consent, the token, every
 * tool, the step-up to mcp:write, and a refresh where the option's tokens come from this Worker.
 * An option that needs a provider runs through its simulated provider, and is skipped (saying so)
 * in a server that serves none: there the real provider is needed.
 */
export const TEST_ORIGIN = 'https://mcp.example';

/**
 * The Worker under test (the plugin's binding to this project's main module; typed here, since a
 * project without generated types does not know its shape).
 */
const worker = (request: Request) => (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default.fetch(request);

export function describeOptionFlow(server: Pick<McpServerWorker, 'options' | 'routes'>, id: AuthOptionId, ownTool: { args?: Record<string, unknown>; expect(result: Record<string, unknown>): void }) {
  const entry: AuthOptionEntry = (AUTH_OPTIONS as Record<string, AuthOptionEntry>)[id];
  const served = server.options.some((option) => option.id === id);
  const needsStandIn = entry.simulatedProvider !== undefined;
  const standIn = server.routes.simulated.some((provider) => provider.id === entry.simulatedProvider);
  const runs = served && (!needsStandIn || standIn);

  describe.skipIf(!runs)(`${entry.number}. ${entry.title}: the whole flow${runs ? '' : ' (skipped: this server serves no stand-in for its provider; configure the real one)'}`, () => {
    beforeAll(() => {
      // The Worker calls the simulated provider it serves at its own origin, made up in a test: it
      // does so through its binding to itself (upstream/upstream-fetch.ts), never the network.
      if (needsStandIn) expect((env as { SELF?: unknown }).SELF, 'bind the Worker to itself as SELF (wrangler "services") so it reaches its simulated provider').toBeDefined();
    });

    const endpoint = TEST_ORIGIN + entry.endpoints['streamable-http'];
    const client = new McpTestClient(worker, endpoint);
    let accessToken = '';
    let refreshToken: string | undefined;

    it('answers a request without a token with 401 and its protected resource metadata', async () => {
      const { challenge, resourceMetadata } = await client.discover();
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain('scope="mcp:read"');
      expect(resourceMetadata.resource).toBe(endpoint);
      expect(resourceMetadata.authorization_servers).toHaveLength(1);
      expect(client.metadata?.issuer).toBe(resourceMetadata.authorization_servers[0]);
      if (entry.tokensFrom === 'this-worker') expect(client.metadata?.issuer).toBe(TEST_ORIGIN);
    });

    it('registers, signs in, consents, and redeems the code for a token for this endpoint', async () => {
      await client.register();
      const tokens = await client.authorize('mcp:read');
      expect(tokens.callback.searchParams.get('iss')).toBe(client.metadata?.issuer);
      accessToken = tokens.access_token;
      refreshToken = tokens.refresh_token;
      expect(accessToken).toBeTruthy();
    });

    it('lists the shared tools and the option’s own', async () => {
      const listed = await client.rpc('tools/list', {}, accessToken);
      expect(listed.status).toBe(200);
      const names = (listed.message?.result?.tools as { name: string }[]).map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['add', 'whoami', 'countdown', 'save_note', ...(entry.ownTool ? [entry.ownTool.name] : [])]));
    });

    it('calls every tool', async () => {
      const sum = await client.callTool('add', { a: 2, b: 40 }, accessToken);
      expect(sum.message?.result?.structuredContent).toEqual({ sum: 42 });
      const who = await client.callTool('whoami', {}, accessToken);
      expect(who.message?.result?.structuredContent).toMatchObject({ signed_in_with: id, audience: endpoint, scopes: ['mcp:read'] });
      const countdown = await client.callTool('countdown', { seconds: 1 }, accessToken);
      expect(countdown.message?.result?.structuredContent).toEqual({ seconds: 1 });
      if (entry.ownTool) {
        const own = await client.callTool(entry.ownTool.name, ownTool.args ?? {}, accessToken);
        expect(own.message?.result?.isError).toBeFalsy();
        ownTool.expect(own.message?.result?.structuredContent ?? {});
      }
    });

    it('refuses save_note without mcp:write with a 403 step-up challenge, and allows it after the step-up', async () => {
      const refused = await client.callTool('save_note', { text: 'hello' }, accessToken);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="mcp:read mcp:write"/);
      const stepped = await client.authorize('mcp:read mcp:write');
      const saved = await client.callTool('save_note', { text: 'hello' }, stepped.access_token);
      expect(saved.message?.result?.structuredContent).toMatchObject({ notes: expect.arrayContaining(['hello']) });
      accessToken = stepped.access_token;
      refreshToken = stepped.refresh_token ?? refreshToken;
    });

    it.skipIf(entry.tokensFrom !== 'this-worker')('refreshes: a new access token that works, and a new refresh token', async () => {
      expect(refreshToken).toBeTruthy();
      const refreshed = await client.token({ grant_type: 'refresh_token', refresh_token: refreshToken! });
      expect(refreshed.access_token).not.toBe(accessToken);
      expect(refreshed.refresh_token).toBeTruthy();
      const who = await client.callTool('whoami', {}, refreshed.access_token);
      expect(who.message?.result?.structuredContent).toMatchObject({ signed_in_with: id });
    });

    it('refuses a token it did not issue (a tampered one), with 401', async () => {
      const tampered = await client.callTool('whoami', {}, `${accessToken}x`);
      expect(tampered.status).toBe(401);
    });
  });
}
