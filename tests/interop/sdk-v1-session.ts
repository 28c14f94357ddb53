import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { recordingFetch } from '../support/http-recorder.ts';
import { LabOAuthClient } from '../support/lab-oauth-client.ts';

/**
 * The SDK 1.32 client as an application uses it: connect, get 401, send the user to authorize,
 * `finishAuth` with the code, reconnect. Everything on the wire is recorded for the tests.
 */
export type V1Transport = 'mcp' | 'sse';

export interface V1Session {
  endpoint: URL;
  client: Client;
  transport: StreamableHTTPClientTransport | SSEClientTransport;
  oauth: LabOAuthClient;
  http: ReturnType<typeof recordingFetch>;
  /** The authorization URL the SDK built on the first connect (PKCE, state, resource, scope). */
  firstAuthorizationUrl: URL;
}

export async function connectFromScratch(origin: string, kind: V1Transport, userName: string): Promise<V1Session> {
  const endpoint = new URL(`/${kind}`, origin);
  const oauth = new LabOAuthClient(origin, { userName }, `SDK 1.32 interop (${kind})`);
  const http = recordingFetch();
  const newTransport = () =>
    kind === 'mcp'
      ? new StreamableHTTPClientTransport(endpoint, { authProvider: oauth, fetch: http.fetch })
      : new SSEClientTransport(endpoint, { authProvider: oauth, fetch: http.fetch });

  const firstTry = newTransport();
  const refused = await new Client({ name: 'lab-interop-v1', version: '1.0.0' }).connect(firstTry).then(
    () => new Error('connected without authorization'),
    (error: unknown) => error,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected UnauthorizedError on the first connect, got: ${String(refused)}`);
  const firstAuthorizationUrl = oauth.pendingAuthorization;
  if (!firstAuthorizationUrl) throw new Error('the SDK did not send the user to authorize');

  const callback = await oauth.authorize();
  await firstTry.finishAuth(LabOAuthClient.codeFrom(callback));
  await firstTry.close();

  const transport = newTransport();
  const client = new Client({ name: 'lab-interop-v1', version: '1.0.0' });
  await client.connect(transport);
  return { endpoint, client, transport, oauth, http, firstAuthorizationUrl };
}

/** Asserts that `expected` lines occur in `actual` in this order (other lines may come between). */
export function inOrder(actual: string[], expected: string[]): boolean {
  let at = 0;
  for (const line of actual) if (line === expected[at]) at++;
  return at === expected.length;
}
