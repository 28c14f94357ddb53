import { Client, IssuerMismatchError, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { LabOAuthClient } from '../support/lab-oauth-client.ts';

/**
 * The SDK v2 client (@modelcontextprotocol/client) on /mcp. Given the whole callback
 * (`finishAuth(searchParams)`), it checks `iss` against the issuer it discovered (RFC 9207) before
 * it redeems the code; and with version negotiation on, it speaks 2026-07-28 via server/discover.
 */
const origin = inject('labOrigin');
const endpoint = new URL('/mcp', origin);

describe('SDK v2 client on /mcp', () => {
  const oauth = new LabOAuthClient(origin, { userName: 'v2-user' }, 'SDK v2 interop');
  const newTransport = () => new StreamableHTTPClientTransport(endpoint, { authProvider: oauth });
  const newClient = () => new Client({ name: 'lab-interop-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  let transport: StreamableHTTPClientTransport;
  let callback: URL;

  beforeAll(async () => {
    transport = newTransport();
    await expect(newClient().connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    callback = await oauth.authorize(); // the user approved; state and iss checked by the app
  });

  test('refuses a callback whose iss is another issuer, or missing, without redeeming the code', async () => {
    const forged = new URLSearchParams(callback.searchParams);
    forged.set('iss', 'https://attacker.example');
    const mismatch = await transport.finishAuth(forged).catch((error: unknown) => error);
    expect(mismatch).toBeInstanceOf(IssuerMismatchError);
    expect(mismatch).toMatchObject({ kind: 'authorization_response', expected: origin, received: 'https://attacker.example' });

    // The server advertises authorization_response_iss_parameter_supported, so no iss is no good either.
    const withoutIss = new URLSearchParams(callback.searchParams);
    withoutIss.delete('iss');
    await expect(transport.finishAuth(withoutIss)).rejects.toBeInstanceOf(IssuerMismatchError);
    expect(oauth.tokens()).toBeUndefined();
  });

  test('completes OAuth with the real callback and negotiates 2026-07-28', async () => {
    await transport.finishAuth(callback.searchParams);
    expect(oauth.tokens()?.access_token).toBeTruthy();

    const client = newClient();
    await client.connect(newTransport());
    try {
      expect(client.getProtocolEra()).toBe('modern');
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const result = await client.callTool({ name: 'add', arguments: { a: 19, b: 23 } });
      expect(result.structuredContent).toEqual({ sum: 42 });
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({ client_id: oauth.clientId, audience: endpoint.href, scopes: ['mcp:read'] });
    } finally {
      await client.close();
    }
  });
});
