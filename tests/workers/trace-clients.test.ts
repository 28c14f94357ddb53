import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser } from './support/browser';
import { authorizationUrl, exchangeCode, pkce, tokensFrom } from './support/oauth-client';
import { callWorker, ORIGIN } from './support/worker';

// The in-page MCP client's identities, served by the lab layer: a pre-registered client and a
// Client ID Metadata Document. Both are proven by running the authorization with them.

const CALLBACK = `${ORIGIN}/lab/callback`;

afterEach(() => vi.restoreAllMocks());

async function preregistered() {
  const response = await callWorker('/lab/client');
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as { client_id: string; redirect_uri: string };
}

/** Signs in, approves, and redeems the code: the client works end to end. */
async function completeAuthorization(clientId: string) {
  const { verifier, challenge } = await pkce();
  const client = { clientId, redirectUri: CALLBACK };
  const browser = new Browser();
  const consent = await browser.signIn(authorizationUrl({ client, challenge, state: 'lab-client' }), 'lin');
  expect(consent.response.status).toBe(200);
  const allowed = await browser.answer(consent, 'approve');
  const callback = new URL(allowed.response.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(CALLBACK);
  const tokens = await tokensFrom(await exchangeCode(client, callback.searchParams.get('code')!, verifier));
  return { consent, tokens };
}

describe('GET /lab/client: the pre-registered client', () => {
  it('is created once per origin and is the same on every call', async () => {
    const first = await preregistered();
    const again = await Promise.all([preregistered(), preregistered()]);
    expect(first.redirect_uri).toBe(CALLBACK);
    expect(again).toEqual([first, first]);
    expect(await env.OAUTH_KV.get(`lab:preregistered-client:${ORIGIN}`)).toBe(first.client_id);
  });

  it('is a public client the authorization server knows, named on the consent page', async () => {
    const { client_id } = await preregistered();
    const stored = JSON.parse((await env.OAUTH_KV.get(`client:${client_id}`))!);
    expect(stored).toMatchObject({
      clientName: 'MCP Auth Lab (pre-registered)',
      redirectUris: [CALLBACK],
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'none',
    });
    expect(stored.clientSecret).toBeUndefined();
    const { consent, tokens } = await completeAuthorization(client_id);
    expect(consent.body).toContain('MCP Auth Lab (pre-registered)');
    expect(tokens.access_token).toBeTruthy();
  });

  it('is created again if its registration was deleted', async () => {
    const { client_id } = await preregistered();
    await env.OAUTH_KV.delete(`client:${client_id}`);
    const replacement = await preregistered();
    expect(replacement.client_id).not.toBe(client_id);
    expect(await env.OAUTH_KV.get(`client:${replacement.client_id}`)).not.toBeNull();
  });
});

describe('GET /lab/client-metadata.json: the Client ID Metadata Document', () => {
  const documentUrl = `${ORIGIN}/lab/client-metadata.json`;

  it('names itself as client_id, is public and cacheable', async () => {
    const response = await callWorker('/lab/client-metadata.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await response.json()).toEqual({
      client_id: documentUrl,
      client_name: 'MCP Auth Lab (in your browser)',
      client_uri: `${ORIGIN}/`,
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  });

  it('is accepted by the authorization server, fetched from this Worker', async () => {
    // The Worker's outbound fetch of its own document is answered by the Worker itself.
    const fetched: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      fetched.push(request.url);
      if (request.url !== documentUrl) throw new TypeError(`unexpected outbound fetch in a test: ${request.url}`);
      return exports.default.fetch(request);
    });
    const { consent, tokens } = await completeAuthorization(documentUrl);
    expect(fetched).toContain(documentUrl);
    expect(consent.body).toContain('MCP Auth Lab (in your browser)');
    expect(consent.body).toContain('Published by <strong>lab.example</strong>');
    expect(tokens.access_token).toBeTruthy();
  });

  it('only GET and HEAD', async () => {
    expect((await callWorker('/lab/client-metadata.json', { method: 'POST' })).status).toBe(405);
    expect((await callWorker('/lab/client', { method: 'DELETE' })).status).toBe(405);
  });
});
