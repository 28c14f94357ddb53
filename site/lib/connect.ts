import { AUTH_OPTIONS } from '../../server/catalogue';
import { PROTECTED_RESOURCE_METADATA, AUTHORIZATION_SERVER_METADATA } from '../../server/routes';
import { prettyJsonWithInlineArrays } from './json-format';

/**
 * What a developer needs to point their own MCP client at this deployment, computed from its
 * public origin. Pure, so the snippets on the home page are tested as text.
 */
export interface ClientConnection {
  origin: string;
  /** Streamable HTTP: the current transport. */
  streamableHttpUrl: string;
  /** Legacy HTTP+SSE (protocol 2024-11-05), for older clients. */
  legacySseUrl: string;
  authorizationServerMetadataUrl: string;
  protectedResourceMetadataUrl: string;
  /** The same for the legacy SSE endpoint. */
  legacySseResourceMetadataUrl: string;
  mcpRemoteCommand: string;
  inspectorCommand: string;
  claudeDesktopConfig: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Option 1's endpoints: the ones a client connects to without choosing a provider. */
const { 'streamable-http': STREAMABLE_HTTP_PATH, sse: SSE_PATH } = AUTH_OPTIONS.worker.endpoints;

export function clientConnectionFor(origin: string): ClientConnection {
  const url = new URL(origin);
  const streamableHttpUrl = url.origin + STREAMABLE_HTTP_PATH;
  // mcp-remote refuses plain http except on loopback unless told otherwise.
  const mcpRemoteArgs = url.protocol === 'http:' && !LOOPBACK.test(url.hostname) ? [streamableHttpUrl, '--allow-http'] : [streamableHttpUrl];
  const claudeDesktop = {
    mcpServers: {
      'mcp-auth-lab': { command: 'npx', args: ['-y', 'mcp-remote', ...mcpRemoteArgs] },
    },
  };
  return {
    origin: url.origin,
    streamableHttpUrl,
    legacySseUrl: url.origin + SSE_PATH,
    authorizationServerMetadataUrl: url.origin + AUTHORIZATION_SERVER_METADATA,
    protectedResourceMetadataUrl: url.origin + PROTECTED_RESOURCE_METADATA + STREAMABLE_HTTP_PATH,
    legacySseResourceMetadataUrl: url.origin + PROTECTED_RESOURCE_METADATA + SSE_PATH,
    mcpRemoteCommand: ['npx', '-y', 'mcp-remote', ...mcpRemoteArgs].join(' '),
    inspectorCommand: 'npx @modelcontextprotocol/inspector',
    claudeDesktopConfig: prettyJsonWithInlineArrays(claudeDesktop),
  };
}
