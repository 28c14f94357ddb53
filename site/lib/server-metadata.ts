import { env } from 'cloudflare:workers';
import { handleServerRequest, type ServerEnv } from '../../server/index';
import { clientConnectionFor } from './connect';

/**
 * The discovery documents exactly as a client receives them, fetched in-process from the
 * companion server (no network hop), for the metadata page.
 */
export interface MetadataDocument {
  id: string;
  title: string;
  url: string;
  status: number;
  body: string;
}

export async function discoveryDocuments(origin: string, ctx: ExecutionContext): Promise<MetadataDocument[]> {
  const connection = clientConnectionFor(origin);
  const documents = [
    { id: 'authorization-server', title: 'Authorization server metadata (RFC 8414)', url: connection.authorizationServerMetadataUrl },
    { id: 'resource-mcp', title: 'Protected resource metadata for /mcp (RFC 9728)', url: connection.protectedResourceMetadataUrl },
    { id: 'resource-sse', title: 'Protected resource metadata for /sse (RFC 9728)', url: `${connection.origin}/.well-known/oauth-protected-resource/sse` },
  ];
  return Promise.all(
    documents.map(async (document) => {
      const response = await handleServerRequest(new Request(document.url), env as unknown as ServerEnv, ctx);
      const text = response ? await response.text() : '';
      return { ...document, status: response?.status ?? 404, body: prettyJson(text) };
    }),
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
