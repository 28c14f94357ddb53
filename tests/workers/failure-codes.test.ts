import { authorizationErrorRedirect } from '@cloudflare/workers-oauth-provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_CODES, FAILURE_PARAMETER, type FailureCode } from '../../server/failure-codes';
import { CLIENT_ADDRESS_HEADER, newClientAddress, untilAFreshWindowHasRoom } from '../support/client-address';
import { postMcp, rpc } from './support/mcp-client';
import { actAsUser, authorizationUrl, CALLBACK, callbackParams, CookieJar, exchangeCode, pkce, registerClient, tokensFrom } from './support/oauth-client';
import { authorizeFor, resourceOf, type FlowOptions } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN, postJson } from './support/worker';

// Each failure code of server/failure-codes.ts, on the real wire: where the Worker sends it (an
// OAuth error body's `failure` member, an error redirect's `failure` parameter, a JSON-RPC error's
// data.failure), always beside the standard fields it leaves exactly as they were. And where the
// standard error says it all, no code is sent.

afterEach(() => vi.restoreAllMocks());

/** A fresh authorization code for a new client, at option 1 (the Worker's own sign-in). */
async function freshCode() {
  const client = await registerClient();
  const { verifier, challenge } = await pkce();
  const params = callbackParams(await actAsUser(authorizationUrl({ client, challenge }), new CookieJar(), { userName: 'fay' }));
  return { client, verifier, code: params.get('code')! };
}

async function tokenError(response: Response) {
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.headers.get('cache-control')).toContain('no-store'); // the library's headers, kept
  return (await response.json()) as Record<string, unknown>;
}

/** The whole flow through a provider behind the Worker (options 2 and 3a): the client's callback parameters. */
async function throughProvider(option: 'github' | 'oidc', provider: NonNullable<FlowOptions['provider']>) {
  routeUpstreamToWorker();
  const { params, state } = await authorizeFor(resourceOf(option), { provider });
  expect(params.get('state')).toBe(state);
  expect(params.get('iss')).toBe(ORIGIN);
  expect(params.has('code')).toBe(false);
  return params;
}

/** How to make the Worker send each code; each case checks the standard fields beside it. Adding a code without a case here fails type checking. */
const ON_THE_WIRE = {
  'origin-not-allowed': async () => {
    const { response } = await postMcp(rpc('tools/list'), { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: number; message: string; data?: Record<string, unknown> } };
    expect(body.error).toEqual({
      code: -32000,
      message: 'Forbidden: Origin "https://evil.example" is not allowed to call this MCP server.',
      data: { [FAILURE_PARAMETER]: 'origin-not-allowed' },
    });
    return body.error.data?.[FAILURE_PARAMETER];
  },
  'pkce-verifier-mismatch': async () => {
    const { client, code } = await freshCode();
    const response = await exchangeCode(client, code, (await pkce()).verifier);
    expect(response.status).toBe(400);
    const body = await tokenError(response);
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'Invalid PKCE code_verifier', [FAILURE_PARAMETER]: 'pkce-verifier-mismatch' });
    return body[FAILURE_PARAMETER];
  },
  'code-replayed': async () => {
    const { client, code, verifier } = await freshCode();
    await tokensFrom(await exchangeCode(client, code, verifier));
    const response = await exchangeCode(client, code, verifier);
    expect(response.status).toBe(400);
    const body = await tokenError(response);
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'Authorization code already used', [FAILURE_PARAMETER]: 'code-replayed' });
    return body[FAILURE_PARAMETER];
  },
  'provider-cancelled': async () => {
    const params = await throughProvider('github', { decision: 'cancel' });
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toBe('The sign-in at Simulated GitHub was cancelled.');
    return params.get(FAILURE_PARAMETER);
  },
  'provider-refused-code': async () => {
    const params = await throughProvider('github', { failure: 'token_error' });
    expect(params.get('error')).toBe('server_error');
    expect(params.get('error_description')).toBe('Simulated GitHub refused the sign-in (bad_verification_code).');
    return params.get(FAILURE_PARAMETER);
  },
  'id-token-rejected': async () => {
    const warn = vi.spyOn(console, 'warn');
    const params = await throughProvider('oidc', { failure: 'wrong_nonce' });
    expect(params.get('error')).toBe('server_error');
    expect(params.get('error_description')).toBe('The ID token from Simulated OIDC provider could not be verified.');
    // Which check failed goes to the log only: the code names the kind, never the check.
    expect(warn.mock.calls.flat().join('\n')).toContain('id_token wrong_nonce');
    expect(params.toString()).not.toContain('nonce');
    return params.get(FAILURE_PARAMETER);
  },
  'rate-limited': async () => {
    // More registrations from one address than tests/workers/wrangler.jsonc allows (rate-limits.test.ts has the details).
    await untilAFreshWindowHasRoom(10);
    const from = { [CLIENT_ADDRESS_HEADER]: newClientAddress() };
    const register = () => postJson('/oauth/register', { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' }, from);
    let response = await register();
    for (let more = 0; response.status === 201 && more < 10; more++) response = await register();
    expect(response.status).toBe(429);
    const body = await tokenError(response);
    expect(body).toMatchObject({ error: 'temporarily_unavailable', error_description: 'Too many client registrations from this network address. Try again in 60 seconds.' });
    return body[FAILURE_PARAMETER];
  },
} satisfies Record<FailureCode, () => Promise<unknown>>;

describe('each failure code, as the Worker sends it', () => {
  it('every code has a case here', () => {
    expect(Object.keys(ON_THE_WIRE).sort()).toEqual(Object.keys(FAILURE_CODES).sort());
  });

  it.each(Object.entries(ON_THE_WIRE))('%s', async (code, send) => {
    expect(await send()).toBe(code);
  });
});

describe('the same failure seen from another option or transport carries the same code', () => {
  it('oidc-proxy: cancel at the provider, and a refused code', async () => {
    expect((await throughProvider('oidc', { decision: 'cancel' })).get(FAILURE_PARAMETER)).toBe('provider-cancelled');
    const refused = await throughProvider('oidc', { failure: 'token_error' });
    expect(Object.fromEntries(refused)).toMatchObject({ error: 'server_error', [FAILURE_PARAMETER]: 'provider-refused-code' });
  });

  it('the Origin refusal at every MCP endpoint, with or without a token', async () => {
    for (const path of ['/mcp', '/github/mcp', '/oidc/mcp', '/external/mcp']) {
      const { response } = await postMcp(rpc('tools/list'), { path, headers: { origin: 'null' } });
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { error: { data: unknown } }).error.data, path).toEqual({ [FAILURE_PARAMETER]: 'origin-not-allowed' });
    }
    const sse = await callWorker('/sse', { headers: { origin: 'https://evil.example' } });
    expect(sse.status).toBe(403);
    expect(((await sse.json()) as { error: { data: unknown } }).error.data).toEqual({ [FAILURE_PARAMETER]: 'origin-not-allowed' });
  });

  it('the code is appended to the library’s error redirect, which is otherwise left as it was', async () => {
    routeUpstreamToWorker();
    const client = await registerClient();
    const { challenge } = await pkce();
    const url = authorizationUrl({ client, challenge, resource: resourceOf('github'), state: 'st-bytes' });
    const { location } = await actAsUser(url, new CookieJar(), { provider: { decision: 'cancel' } });
    const standard = authorizationErrorRedirect({ redirectUri: CALLBACK, state: 'st-bytes', issuer: ORIGIN }, 'access_denied', 'The sign-in at Simulated GitHub was cancelled.');
    expect(location).toBe(`${standard}&${FAILURE_PARAMETER}=provider-cancelled`);
  });
});

describe('where the standard error says it all, no code is sent', () => {
  it('another invalid_grant (a code presented by another client)', async () => {
    const { code, verifier } = await freshCode();
    const body = await tokenError(await exchangeCode(await registerClient(), code, verifier));
    expect(body.error).toBe('invalid_grant');
    expect(body).not.toHaveProperty(FAILURE_PARAMETER);
  });

  it('an unknown client at the token endpoint', async () => {
    const { code, verifier } = await freshCode();
    const response = await exchangeCode({ clientId: 'nobody', redirectUri: CALLBACK }, code, verifier);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_client');
    expect(body).not.toHaveProperty(FAILURE_PARAMETER);
  });

  it('the user presses Deny at the Worker’s own consent page: access_denied alone', async () => {
    const { params } = await authorizeFor(resourceOf('worker'), { decision: 'deny' });
    expect(params.get('error')).toBe('access_denied');
    expect(params.has(FAILURE_PARAMETER)).toBe(false);
  });

  it('the provider’s token endpoint fails: temporarily_unavailable alone', async () => {
    const params = await throughProvider('oidc', { failure: 'token_500' });
    expect(params.get('error')).toBe('temporarily_unavailable');
    expect(params.has(FAILURE_PARAMETER)).toBe(false);
  });
});
