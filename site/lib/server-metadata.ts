import { env } from 'cloudflare:workers';
import { server, type ServerEnv } from '../../server/index';
import { clientConnectionFor } from './connect';
import { prettyJsonWithInlineArrays } from './json-format';

/**
 * What a client sees during discovery, produced in-process by the companion server (no network
 * hop): the 401 challenge, then the metadata documents in the order a client reads them.
 */
export interface MetadataDocument {
  id: string;
  title: string;
  url: string;
  status: number;
  body: string;
}

export interface Discovery {
  challenge: { status: number; wwwAuthenticate: string };
  documents: MetadataDocument[];
}

export async function discoverServer(origin: string, ctx: ExecutionContext): Promise<Discovery> {
  const serverEnv = env as unknown as ServerEnv;
  const connection = clientConnectionFor(origin);
  const unauthenticated = await server.handle(
    new Request(connection.streamableHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    }),
    serverEnv,
    ctx,
  );
  const documents = [
    { id: 'resource-mcp', title: `Protected resource metadata for ${new URL(connection.streamableHttpUrl).pathname} (RFC 9728)`, url: connection.protectedResourceMetadataUrl },
    { id: 'authorization-server', title: 'Authorization server metadata (RFC 8414)', url: connection.authorizationServerMetadataUrl },
    { id: 'resource-sse', title: `Protected resource metadata for ${new URL(connection.legacySseUrl).pathname} (RFC 9728)`, url: connection.legacySseResourceMetadataUrl },
  ];
  return {
    challenge: { status: unauthenticated?.status ?? 0, wwwAuthenticate: unauthenticated?.headers.get('www-authenticate') ?? '' },
    documents: await Promise.all(
      documents.map(async (document) => {
        const response = await server.handle(new Request(document.url), serverEnv, ctx);
        return { ...document, status: response?.status ?? 404, body: formatJson(response ? await response.text() : '') };
      }),
    ),
  };
}

function formatJson(text: string): string {
  try {
    return prettyJsonWithInlineArrays(JSON.parse(text));
  } catch {
    return text;
  }
}
