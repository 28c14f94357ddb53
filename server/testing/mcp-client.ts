import type { Fetch } from './user-agent';
import { UserAgent } from './user-agent';

/**
 * An MCP client as the authorization spec describes it, over plain fetch, for the server's flow
 * tests: the 401 challenge, protected resource metadata (RFC 9728), authorization server metadata
 * (RFC 8414, path-inserted for an issuer with a path), dynamic registration (RFC 7591), the
 * authorization code with PKCE S256 and `resource` (RFC 8707), then JSON-RPC over Streamable HTTP.
 */
const REDIRECT_URI = 'http://127.0.0.1:33418/callback';

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
}

export interface RpcResult {
  status: number;
  headers: Headers;
  /** The JSON-RPC response, when the status is 200. */
  message?: { result?: Record<string, unknown> & { structuredContent?: Record<string, unknown>; isError?: boolean; content?: { text: string }[] }; error?: { code: number; message: string } };
}

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export class McpTestClient {
  readonly browser: UserAgent;
  metadata?: { issuer: string; authorization_endpoint: string; token_endpoint: string; registration_endpoint?: string };
  clientId?: string;
  private nextId = 1;

  constructor(
    private readonly fetch: Fetch,
    readonly resource: string,
  ) {
    this.browser = new UserAgent(fetch);
  }

  send(url: string, init: RequestInit = {}): Promise<Response> {
    return this.fetch(new Request(url, { ...init, redirect: 'manual' }));
  }

  /** The 401, then the metadata it points to, then the authorization server's. */
  async discover(): Promise<{ challenge: string; resourceMetadata: { resource: string; authorization_servers: string[] } }> {
    const unauthenticated = await this.rpc('tools/list', {});
    if (unauthenticated.status !== 401) throw new Error(`expected 401 without a token, got ${unauthenticated.status}`);
    const challenge = unauthenticated.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    if (!metadataUrl) throw new Error(`no resource_metadata in ${challenge}`);
    const resourceMetadata = await (await this.send(metadataUrl)).json<{ resource: string; authorization_servers: string[] }>();
    const issuer = new URL(resourceMetadata.authorization_servers[0]);
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    const path = issuer.pathname === '/' ? '' : issuer.pathname;
    this.metadata = await (await this.send(`${issuer.origin}/.well-known/oauth-authorization-server${path}`)).json();
    return { challenge, resourceMetadata };
  }

  async register(): Promise<string> {
    if (!this.metadata?.registration_endpoint) throw new Error('the authorization server offers no registration endpoint');
    const response = await this.send(this.metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Flow test client', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }),
    });
    if (response.status !== 201) throw new Error(`registration answered ${response.status}: ${await response.text()}`);
    this.clientId = (await response.json<{ client_id: string }>()).client_id;
    return this.clientId;
  }

  /** Sends the browser through sign-in and consent, and redeems the code. */
  async authorize(scope: string): Promise<Tokens & { callback: URL }> {
    if (!this.metadata || !this.clientId) throw new Error('discover and register first');
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
    const url = new URL(this.metadata.authorization_endpoint);
    url.search = new URLSearchParams({ response_type: 'code', client_id: this.clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state, scope, resource: this.resource }).toString();
    const callback = await this.browser.consentAll(url.href, REDIRECT_URI);
    if (callback.searchParams.get('state') !== state) throw new Error(`state came back as ${callback.searchParams.get('state')}`);
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code: ${callback.search}`);
    const tokens = await this.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    return { ...tokens, callback };
  }

  async token(fields: Record<string, string>): Promise<Tokens> {
    const response = await this.send(this.metadata!.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: this.clientId!, resource: this.resource, ...fields }),
    });
    if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
    return response.json();
  }

  /** One JSON-RPC request over Streamable HTTP (a JSON or an event-stream answer). */
  async rpc(method: string, params: Record<string, unknown>, accessToken?: string): Promise<RpcResult> {
    const response = await this.send(this.resource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        ...(accessToken && { authorization: `Bearer ${accessToken}` }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    if (response.status !== 200) return { status: response.status, headers: response.headers };
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => JSON.parse(line.slice(5)))
          .find((message) => 'result' in message || 'error' in message)
      : JSON.parse(text);
    return { status: response.status, headers: response.headers, message: json };
  }

  callTool(name: string, args: Record<string, unknown>, accessToken: string): Promise<RpcResult> {
    return this.rpc('tools/call', { name, arguments: args }, accessToken);
  }
}
