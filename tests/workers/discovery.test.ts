import { describe, expect, it } from 'vitest';
import { callWorker, MCP_RESOURCE, ORIGIN, SSE_RESOURCE } from './support/worker';

// MCP authorization, "Authorization Server Discovery": a 401 points at the protected resource
// metadata (RFC 9728), which names the authorization server, whose RFC 8414 metadata a client reads.

describe('401 challenge on the MCP endpoints', () => {
  it.each([
    ['POST', '/mcp', 'mcp'],
    ['GET', '/sse', 'sse'],
    ['POST', '/sse/message?sessionId=abc', 'sse'],
  ])('%s %s without a token names its resource metadata and the baseline scope', async (method, path, resource) => {
    const response = await callWorker(path, { method, ...(method === 'POST' && { body: '{}', headers: { 'content-type': 'application/json' } }) });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/${resource}"`);
    expect(challenge).toContain('scope="mcp:read"');
    // No token at all is not an invalid token (RFC 6750 §3.1): no error code.
    expect(challenge).not.toContain('error=');
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  it.each([
    ['mcp', MCP_RESOURCE],
    ['sse', SSE_RESOURCE],
  ])('/.well-known/oauth-protected-resource/%s names its own resource and this issuer', async (path, resource) => {
    const response = await callWorker(`/.well-known/oauth-protected-resource/${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.resource).toBe(resource);
    expect(metadata.authorization_servers).toEqual([ORIGIN]);
    expect(metadata.bearer_methods_supported).toEqual(['header']);
    expect(metadata.scopes_supported).toContain('mcp:read');
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  it('describes an OAuth 2.1 server for MCP clients', async () => {
    const response = await callWorker('/.well-known/oauth-authorization-server');
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      registration_endpoint: `${ORIGIN}/oauth/register`,
      revocation_endpoint: `${ORIGIN}/oauth/token`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      scopes_supported: ['mcp:read', 'mcp:write'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(metadata.token_endpoint_auth_methods_supported).toContain('none');
  });
});
