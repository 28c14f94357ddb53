/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAILURE_PARAMETER } from '../../server/failure-codes';
import type { LabEnv } from '../../server/lab/env';
import { CLIENT_ADDRESS_HEADER, newClientAddress, untilAFreshWindowHasRoom } from '../support/client-address';
import { CALLBACK } from './support/oauth-client';
import { callWorker, ORIGIN, postJson } from './support/worker';

// Registrations and started traces are counted per client address (CF-Connecting-IP), with the
// limits of tests/workers/wrangler.jsonc: 3 a minute each. Beyond that, 429 with Retry-After,
// nothing stored; other addresses go on as before.

const LIMIT = 3;
const labEnv = env as unknown as LabEnv;

afterEach(() => vi.restoreAllMocks());

const metadata = { client_name: 'Rate limit test', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] };
const from = (address: string) => ({ [CLIENT_ADDRESS_HEADER]: address });
const registerAt = (path: string, address?: string) => postJson(path, metadata, address ? from(address) : {});
const startTrace = (address?: string) => callWorker('/lab/traces', { method: 'POST', headers: { origin: ORIGIN, ...(address && from(address)) } });
const storedKeys = async (prefix: string) => (await labEnv.OAUTH_KV.list({ prefix })).keys.map((key) => key.name).sort();

/** The refusal every limited endpoint sends: status, headers and body. */
async function expectRefusal(response: Response, counted: string) {
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe('60'); // the binding's period
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.getSetCookie()).toEqual([]);
  expect(await response.json()).toEqual({
    error: 'temporarily_unavailable',
    error_description: `Too many ${counted} from this network address. Try again in 60 seconds.`,
    [FAILURE_PARAMETER]: 'rate-limited',
  });
}

describe.each([
  ['the Worker’s registration endpoint', '/oauth/register', 'client:'],
  ['the Simulated OIDC provider’s registration endpoint', '/simulated/oidc/register', 'simulated-oidc:client:'],
])('%s', (_, path, clientPrefix) => {
  it(`registers ${LIMIT} clients from one address, then refuses with 429, storing nothing; another address is unaffected`, async () => {
    await untilAFreshWindowHasRoom(10);
    const address = newClientAddress();
    for (let registration = 1; registration <= LIMIT; registration++) expect((await registerAt(path, address)).status, `registration ${registration}`).toBe(201);
    const stored = await storedKeys(clientPrefix);

    const refused = await registerAt(path, address);
    await expectRefusal(refused, 'client registrations');
    // A browser client on another origin (an MCP inspector) can read the refusal and when to retry.
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(await storedKeys(clientPrefix)).toEqual(stored);

    expect((await registerAt(path, newClientAddress())).status).toBe(201);
  });
});

describe('client registrations', () => {
  it('count once per address, at the Worker and at the simulated provider together', async () => {
    await untilAFreshWindowHasRoom(10);
    const address = newClientAddress();
    expect((await registerAt('/oauth/register', address)).status).toBe(201);
    expect((await registerAt('/simulated/oidc/register', address)).status).toBe(201);
    expect((await registerAt('/oauth/register', address)).status).toBe(201);
    expect((await registerAt('/simulated/oidc/register', address)).status).toBe(429);
  });

  it('count an IPv6 address by its /64: the block one subscriber is given', async () => {
    await untilAFreshWindowHasRoom(10);
    const block = newClientAddress().replace(/::1$/, ''); // 2001:db8:x:y
    for (const address of [`${block}::1`, `${block}::a`, `${block}:ffff:ffff:ffff:ffff`]) expect((await registerAt('/oauth/register', address)).status, address).toBe(201);
    expect((await registerAt('/oauth/register', `${block}::beef`)).status).toBe(429);
    expect((await registerAt('/oauth/register', newClientAddress())).status).toBe(201);
  });

  it('are not counted without CF-Connecting-IP: the request did not come through Cloudflare’s edge', async () => {
    for (let registration = 0; registration <= LIMIT; registration++) expect((await registerAt('/oauth/register')).status).toBe(201);
  });

  it('go through when the limiter fails: a warning in the log, never a 500', async () => {
    const limit = vi.spyOn(labEnv.REGISTRATION_LIMITER!, 'limit').mockRejectedValue(new Error('rate limit service unavailable'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const address = newClientAddress();
    for (let registration = 0; registration <= LIMIT; registration++) expect((await registerAt('/oauth/register', address)).status).toBe(201);
    expect(limit).toHaveBeenCalled();
    expect(warn.mock.calls.flat().join('\n')).toContain('rate limit for client registrations not checked, request let through');
  });
});

describe('starting traces', () => {
  it(`starts ${LIMIT} traces for one address, then refuses with 429 and no trace cookie; another address is unaffected`, async () => {
    await untilAFreshWindowHasRoom(10);
    const address = newClientAddress();
    for (let trace = 1; trace <= LIMIT; trace++) expect((await startTrace(address)).status, `trace ${trace}`).toBe(201);
    const refused = await startTrace(address);
    await expectRefusal(refused, 'traces started');
    // Same-origin only: no CORS on the refusal.
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect((await startTrace(newClientAddress())).status).toBe(201);
  });

  it('a page on another site is refused before it is counted', async () => {
    await untilAFreshWindowHasRoom(10);
    const address = newClientAddress();
    for (let attempt = 0; attempt <= LIMIT; attempt++) {
      const foreign = await callWorker('/lab/traces', { method: 'POST', headers: { origin: 'https://evil.example', ...from(address) } });
      expect(foreign.status).toBe(403);
    }
    expect((await startTrace(address)).status).toBe(201);
  });
});
