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
  mcpRemoteCommand: string;
  inspectorCommand: string;
  claudeDesktopConfig: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

export function clientConnectionFor(origin: string): ClientConnection {
  const url = new URL(origin);
  const streamableHttpUrl = `${url.origin}/mcp`;
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
    legacySseUrl: `${url.origin}/sse`,
    authorizationServerMetadataUrl: `${url.origin}/.well-known/oauth-authorization-server`,
    protectedResourceMetadataUrl: `${url.origin}/.well-known/oauth-protected-resource/mcp`,
    mcpRemoteCommand: ['npx', '-y', 'mcp-remote', ...mcpRemoteArgs].join(' '),
    inspectorCommand: 'npx @modelcontextprotocol/inspector',
    claudeDesktopConfig: prettyJsonWithInlineArrays(claudeDesktop),
  };
}
