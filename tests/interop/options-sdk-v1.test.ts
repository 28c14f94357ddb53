import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { recordingFetch } from '../support/http-recorder.ts';
import { LabOAuthClient } from '../support/lab-oauth-client.ts';
import { inOrder } from './sdk-v1-session.ts';

/**
 * The released SDK (1.32) against the production build, at the endpoints of options 2, 3a and 3b,
 * with no provider configured: the lab's simulated providers answer, over real HTTP, and the
 * headless user clicks through their pages. The SDK is the same in all three; what changes is
 * who it talks to (the lab, or the provider directly) and what its token is.
 */
const origin = inject('labOrigin');

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
  oauth: LabOAuthClient;
  http: ReturnType<typeof recordingFetch>;
  firstAuthorizationUrl: URL;
}

async function connect(path: string, issuer: string, user: ConstructorParameters<typeof LabOAuthClient>[1]): Promise<Session> {
  const endpoint = new URL(path, origin);
  const oauth = new LabOAuthClient(issuer, user, `SDK 1.32 interop (${path})`);
  const http = recordingFetch();
  const newTransport = () => new StreamableHTTPClientTransport(endpoint, { authProvider: oauth, fetch: http.fetch });
  const first = newTransport();
  const refused = await new Client({ name: 'lab-interop-options', version: '1.0.0' }).connect(first).then(
    () => new Error('connected without authorization'),
    (error: unknown) => error,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected UnauthorizedError, got ${String(refused)}`);
  const firstAuthorizationUrl = oauth.pendingAuthorization!;
  const callback = await oauth.authorize();
  await first.finishAuth(LabOAuthClient.codeFrom(callback));
  await first.close();
  const transport = newTransport();
  const client = new Client({ name: 'lab-interop-options', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, oauth, http, firstAuthorizationUrl };
}

const verifierMatches = (session: Session, tokenPath: string) => {
  const exchange = session.http.exchanges.find((e) => e.url.pathname === tokenPath && e.form?.get('grant_type') === 'authorization_code');
  const verifier = exchange?.form?.get('code_verifier') ?? '';
  return createHash('sha256').update(verifier).digest('base64url') === session.firstAuthorizationUrl.searchParams.get('code_challenge');
};

describe('option 2: /github/mcp, the Simulated GitHub behind the lab', () => {
  let session: Session;
  beforeAll(async () => {
    session = await connect('/github/mcp', origin, { provider: { login: 'codercat' } });
  });
  afterAll(() => session?.client.close());

  test('the SDK authorizes at the lab, which signs the user in at the Simulated GitHub', () => {
    expect(
      inOrder(session.http.summary(), [
        'POST /github/mcp 401',
        'GET /.well-known/oauth-protected-resource/github/mcp 200',
        'GET /.well-known/oauth-authorization-server 200',
        'POST /oauth/register 201',
        'POST /oauth/token 200',
        'POST /github/mcp 200',
      ]),
      session.http.summary().join('\n'),
    ).toBe(true);
    expect(session.firstAuthorizationUrl.origin + session.firstAuthorizationUrl.pathname).toBe(`${origin}/authorize`);
    expect(session.firstAuthorizationUrl.searchParams.get('resource')).toBe(`${origin}/github/mcp`);
    expect(verifierMatches(session, '/oauth/token')).toBe(true);
    expect(session.oauth.tokens()?.access_token.split('.')).toHaveLength(1); // the lab's token, not GitHub's
  });

  test('github_profile calls the (simulated) GitHub API as the user', async () => {
    const result = await session.client.callTool({ name: 'github_profile', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ login: 'codercat', provider: 'Simulated GitHub', fetched_from: `${origin}/simulated/github/api/user` });
  });

  test('the shared tools answer as on /mcp', async () => {
    expect((await session.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ sum: 3 });
    expect((await session.client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({
      user: { id: 'simulated-github_9000003', name: 'codercat' },
      signed_in_with: 'github',
      audience: `${origin}/github/mcp`,
    });
  });
});

describe('option 3a: /oidc/mcp, the Simulated OIDC provider behind the lab', () => {
  let session: Session;
  beforeAll(async () => {
    session = await connect('/oidc/mcp', origin, { provider: { login: 'grace' } });
  });
  afterAll(() => session?.client.close());

  test('the SDK sees only the lab: its metadata, registration and tokens', () => {
    const paths = session.http.exchanges.map((e) => e.url.pathname);
    expect(paths.some((path) => path.startsWith('/simulated/'))).toBe(false);
    expect(session.firstAuthorizationUrl.searchParams.get('resource')).toBe(`${origin}/oidc/mcp`);
    expect(verifierMatches(session, '/oauth/token')).toBe(true);
  });

  test('oidc_userinfo asks the provider about the user the ID token named', async () => {
    const result = await session.client.callTool({ name: 'oidc_userinfo', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ issuer: `${origin}/simulated/oidc`, claims: { sub: '248289761002', name: 'Grace Hopper' } });
    expect((await session.client.callTool({ name: 'whoami', arguments: {} })).structuredContent).toMatchObject({ signed_in_with: 'oidc-proxy', user: { name: 'grace' } });
  });
});

describe('option 3b: /external/mcp, the Simulated OIDC provider as the authorization server', () => {
  const issuer = `${origin}/simulated/oidc`;
  let session: Session;
  beforeAll(async () => {
    session = await connect('/external/mcp', issuer, { provider: { login: 'alan' } });
  });
  afterAll(() => session?.client.close());

  test('the SDK follows the resource metadata to the provider, registers and gets its token there', () => {
    expect(
      inOrder(session.http.summary(), [
        'POST /external/mcp 401',
        'GET /.well-known/oauth-protected-resource/external/mcp 200',
        'GET /.well-known/oauth-authorization-server/simulated/oidc 200',
        'POST /simulated/oidc/register 201',
        'POST /simulated/oidc/token 200',
        'POST /external/mcp 200',
      ]),
      session.http.summary().join('\n'),
    ).toBe(true);
    expect(session.http.exchanges.some((e) => e.url.pathname === '/oauth/register' || e.url.pathname === '/oauth/token')).toBe(false);
    expect(session.firstAuthorizationUrl.origin + session.firstAuthorizationUrl.pathname).toBe(`${issuer}/authorize`);
    expect(session.firstAuthorizationUrl.searchParams.get('resource')).toBe(`${origin}/external/mcp`);
    expect(verifierMatches(session, '/simulated/oidc/token')).toBe(true);
    expect(session.oauth.tokens()?.access_token.split('.')).toHaveLength(3); // the provider's JWT
  });

  test('token_claims shows what this resource server verified', async () => {
    const result = await session.client.callTool({ name: 'token_claims', arguments: {} });
    expect(result.structuredContent).toMatchObject({ issuer, subject: '248289761003', audience: `${origin}/external/mcp`, scope: ['mcp:read'], clientId: session.oauth.clientId });
  });

  test('save_note: 403 insufficient_scope, the SDK steps up at the provider, then the call succeeds', async () => {
    const { client, transport, oauth, http } = session;
    http.clear();
    await expect(client.callTool({ name: 'save_note', arguments: { text: 'from 3b' } })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(http.exchanges.find((e) => e.status === 403)?.wwwAuthenticate).toContain('error="insufficient_scope"');
    expect(oauth.pendingAuthorization?.origin).toBe(origin);
    expect(oauth.pendingAuthorization?.pathname).toBe('/simulated/oidc/authorize');
    expect(oauth.pendingAuthorization?.searchParams.get('scope')).toBe('mcp:read mcp:write');
    const callback = await oauth.authorize();
    await transport.finishAuth(LabOAuthClient.codeFrom(callback));
    const saved = await client.callTool({ name: 'save_note', arguments: { text: 'from 3b' } });
    expect(saved.isError).toBeFalsy();
    expect((saved.structuredContent as { notes: string[] }).notes).toContain('from 3b');
  });
});
