import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, field } from './support/browser';
import { mcpRequest, toolCall } from './support/mcp-client';
import { authorizationUrl, exchangeCode, pkce, registerClient, tokensFrom, type Client } from './support/oauth-client';
import { ORIGIN } from './support/worker';

// Client ID Metadata Documents: the client_id is an https URL, and the server fetches the
// client's metadata from it. The Worker runs in the test's isolate, so its outbound fetch is the
// global one a test can stand in for: here it answers for the client's (made-up) web origin.

const APP = 'https://app.example';
const REDIRECT = `${APP}/callback`;

/** A client_id URL no other test uses (validated documents may be cached per URL). */
const newClientId = () => `${APP}/oauth/client-${crypto.randomUUID()}.json`;

function serveDocuments(documents: Record<string, () => Response>) {
  const requests: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    requests.push(request);
    const respond = documents[request.url];
    if (!respond) throw new TypeError(`unexpected outbound fetch in a test: ${request.url}`);
    return respond();
  });
  return requests;
}

const metadata = (clientId: string, overrides: Record<string, unknown> = {}) => () =>
  Response.json(
    { client_id: clientId, client_name: 'Example App', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...overrides },
    { headers: { 'cache-control': 'no-store' } },
  );

async function openAuthorization(client: Client) {
  const { verifier, challenge } = await pkce();
  const url = authorizationUrl({ client, challenge, state: 'cimd-state' });
  return { url, verifier };
}

afterEach(() => vi.restoreAllMocks());

describe('a valid metadata document', () => {
  it('is fetched, its domain shown on the consent page, and the flow completes', async () => {
    const clientId = newClientId();
    const requests = serveDocuments({ [clientId]: metadata(clientId) });
    const client = { clientId, redirectUri: REDIRECT };
    const { url, verifier } = await openAuthorization(client);

    const browser = new Browser();
    const consent = await browser.signIn(url, 'nora');
    expect(consent.response.status).toBe(200);
    expect(consent.body).toContain('Published by <strong>app.example</strong>');
    expect(consent.body).toContain('Example App');
    expect(consent.body).toContain(clientId);
    expect(consent.body).not.toContain('an app on your own computer'); // not a loopback redirect
    expect(requests[0].url).toBe(clientId);
    expect(requests[0].headers.get('accept')).toContain('application/json');

    const allowed = await browser.answer(consent, 'approve');
    expect(allowed.response.status).toBe(302);
    const callback = new URL(allowed.response.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('iss')).toBe(ORIGIN);

    const tokens = await tokensFrom(await exchangeCode(client, callback.searchParams.get('code')!, verifier));
    const whoami = await mcpRequest(tokens.access_token, toolCall('whoami'));
    expect(whoami.answer.result?.structuredContent).toMatchObject({ client_id: clientId, user: { id: 'nora' } });
  });
});

describe('a document that cannot be trusted gives an error page, never a redirect', () => {
  const cases: [string, (clientId: string) => () => Response][] = [
    ['a document naming another client_id', (clientId) => metadata(`${clientId}-other`)],
    ['a document without the requested redirect URI', (clientId) => metadata(clientId, { redirect_uris: [`${APP}/other`] })],
    ['a 404', () => () => new Response('not found', { status: 404 })],
    ['a body that is not JSON', () => () => new Response('<html>hello</html>', { headers: { 'content-type': 'text/html' } })],
    ['a client that wants a shared secret', (clientId) => metadata(clientId, { token_endpoint_auth_method: 'client_secret_post' })],
    [
      'an unreachable origin',
      () => () => {
        throw new TypeError('Network connection lost.');
      },
    ],
  ];

  it.each(cases)('%s', async (_label, document) => {
    const clientId = newClientId();
    const requests = serveDocuments({ [clientId]: document(clientId) });
    const { url } = await openAuthorization({ clientId, redirectUri: REDIRECT });
    const page = await new Browser().get(url);
    expect(requests.length).toBeGreaterThan(0); // the document was asked for
    expect(page.response.status).toBe(400);
    expect(page.response.headers.get('location')).toBeNull();
    expect(page.body).toContain('<h1 class="error">');
    expect(field(page.body, 'csrf')).toBeUndefined(); // no sign-in page either
  });

  it('an http:// client_id is not a metadata document URL, and no such client is registered', async () => {
    const requests = serveDocuments({});
    const { url } = await openAuthorization({ clientId: 'http://app.example/oauth/client.json', redirectUri: REDIRECT });
    const page = await new Browser().get(url);
    expect(page.response.status).toBe(400);
    expect(page.response.headers.get('location')).toBeNull();
    expect(requests).toEqual([]);
  });
});

describe('a document claiming someone else’s redirect URI (the CIMD attack lab)', () => {
  // The attacker publishes a document at their own https URL that copies a real app's name and
  // lists that app's callback, to pass for it. What the authorization server does about it:
  const ATTACKER = 'https://attacker.example';
  const newAttackerId = () => `${ATTACKER}/oauth/client-${crypto.randomUUID()}.json`;
  const claiming = (clientId: string, redirectUris: string[]) => metadata(clientId, { redirect_uris: redirectUris });

  it('the consent page names the document’s domain (the attacker’s), apart from the redirect host it claims', async () => {
    const clientId = newAttackerId();
    serveDocuments({ [clientId]: claiming(clientId, [REDIRECT]) });
    const { url } = await openAuthorization({ clientId, redirectUri: REDIRECT });
    const consent = await new Browser().signIn(url, 'olga');
    expect(consent.response.status).toBe(200);
    expect(consent.body).toContain('Example App'); // the copied name proves nothing
    expect(consent.body).toContain('Published by <strong>attacker.example</strong>');
    expect(consent.body).toContain(`<dt>Client ID</dt><dd>${clientId}</dd>`);
    expect(consent.body).toContain('<dt>Sends you back to</dt><dd><strong>app.example</strong></dd>');
    expect(consent.body).not.toContain('an app on your own computer');
  });

  it('a claimed localhost redirect is shown with the warning that any program on your computer could receive it', async () => {
    const clientId = newAttackerId();
    const loopback = 'http://localhost:33418/callback';
    serveDocuments({ [clientId]: claiming(clientId, [loopback]) });
    const { url } = await openAuthorization({ clientId, redirectUri: loopback });
    const consent = await new Browser().signIn(url, 'pia');
    expect(consent.body).toContain('Published by <strong>attacker.example</strong>');
    expect(consent.body).toContain('<dt>Sends you back to</dt><dd><strong>localhost</strong></dd>');
    expect(consent.body).toContain('This sends access to an app on your own computer');
  });

  it('a redirect URI the document does not list (the attacker’s own) gets an error page: no redirect, no code', async () => {
    const clientId = newAttackerId();
    const requests = serveDocuments({ [clientId]: claiming(clientId, [REDIRECT]) });
    const { url } = await openAuthorization({ clientId, redirectUri: `${ATTACKER}/callback` });
    const page = await new Browser().get(url);
    expect(requests.map((request) => request.url)).toEqual([clientId]); // checked against the document
    expect(page.response.status).toBe(400);
    expect(page.response.headers.get('location')).toBeNull();
    expect(page.body).toContain('Invalid redirect URI');
  });

  it('the code is bound to the attacker’s client_id: the app whose callback received it cannot redeem it', async () => {
    const clientId = newAttackerId();
    serveDocuments({ [clientId]: claiming(clientId, [REDIRECT]) });
    const { url, verifier } = await openAuthorization({ clientId, redirectUri: REDIRECT });
    const browser = new Browser();
    const allowed = await browser.answer(await browser.signIn(url, 'quinn'), 'approve');
    const callback = new URL(allowed.response.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT); // the code went to the real app's callback
    const code = callback.searchParams.get('code')!;

    // The real app (its own client, the same callback) redeems the code it never asked for; even
    // with the attacker's PKCE verifier, so that only the client_id differs.
    const realApp = await registerClient({ client_name: 'Example App', redirect_uris: [REDIRECT] });
    const refused = await exchangeCode(realApp, code, verifier);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
