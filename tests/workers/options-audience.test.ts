import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { externalToken } from './support/external-client';
import { initializeRequest, postMcp } from './support/mcp-client';
import { refresh } from './support/oauth-client';
import { ENDPOINTS, resourceOf, tokenFor, type EndpointName } from './support/options';
import { routeUpstreamToWorker } from './support/upstream';
import { callWorker, ORIGIN } from './support/worker';

// All the options live at once, each at its own endpoint with its own audience (RFC 8707, and
// MCP's "MUST NOT accept any tokens that were not explicitly issued for the MCP server"): a token
// minted for one is refused by every other. Every pair is tried.

const NAMES = Object.keys(ENDPOINTS) as EndpointName[];
const tokens = {} as Record<EndpointName, string>;
const refreshTokens = {} as Partial<Record<EndpointName, { clientId: string; token: string }>>;

beforeAll(async () => {
  routeUpstreamToWorker();
  for (const name of ['worker', 'sse', 'github', 'oidc'] as const) {
    const flow = await tokenFor(resourceOf(name), { userName: 'matrix' });
    tokens[name] = flow.tokens.access_token;
    refreshTokens[name] = { clientId: flow.client.clientId, token: flow.tokens.refresh_token! };
  }
  tokens.external = (await externalToken()).tokens.access_token;
  vi.restoreAllMocks();
});

beforeEach(() => {
  routeUpstreamToWorker(); // option 3b's checks fetch the provider's keys
});
afterEach(() => vi.restoreAllMocks());

/** One authenticated request to an endpoint: an initialize POST, or opening the legacy SSE stream. */
async function present(token: string, at: EndpointName): Promise<Response> {
  if (at === 'sse') {
    const response = await callWorker(ENDPOINTS.sse, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
    await response.body?.cancel();
    return response;
  }
  return (await postMcp(initializeRequest(), { token, path: ENDPOINTS[at] })).response;
}

describe('a token is accepted only at the endpoint it was issued for', () => {
  const pairs = NAMES.flatMap((from) => NAMES.map((to) => [from, to] as const));

  it.each(pairs)('a token for %s, presented at %s', async (from, to) => {
    const response = await present(tokens[from], to);
    if (from === to) {
      expect(response.status).toBe(200);
    } else {
      expect(response.status).toBe(401);
      // The refusal points the client at the metadata of the endpoint it called, so it can get the right token.
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource${ENDPOINTS[to]}"`);
    }
  });
});

describe('a refresh token cannot be turned into a token for another endpoint', () => {
  it.each([
    ['github', 'oidc'],
    ['oidc', 'github'],
    ['github', 'worker'],
    ['worker', 'github'],
  ] as const)('a refresh token from %s, asked for %s', async (from, to) => {
    const { clientId, token } = refreshTokens[from]!;
    const response = await refresh({ clientId, redirectUri: '' }, token, resourceOf(to));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('and this Worker never issues a token for /external/mcp, whose tokens come from another issuer', async () => {
    const { clientId, token } = refreshTokens.github!;
    const response = await refresh({ clientId, redirectUri: '' }, token, resourceOf('external'));
    expect(response.status).toBe(400);
  });
});
