import { describe, expect, it } from 'vitest';
import { clientConnectionFor } from './connect';

describe('clientConnectionFor', () => {
  it('derives every endpoint from the origin', () => {
    const connection = clientConnectionFor('https://lab.example.com');
    expect(connection.streamableHttpUrl).toBe('https://lab.example.com/mcp');
    expect(connection.legacySseUrl).toBe('https://lab.example.com/sse');
    expect(connection.authorizationServerMetadataUrl).toBe('https://lab.example.com/.well-known/oauth-authorization-server');
    expect(connection.protectedResourceMetadataUrl).toBe('https://lab.example.com/.well-known/oauth-protected-resource/mcp');
    expect(connection.mcpRemoteCommand).toBe('npx -y mcp-remote https://lab.example.com/mcp');
  });

  it('writes a Claude Desktop config that runs mcp-remote', () => {
    expect(JSON.parse(clientConnectionFor('https://lab.example.com').claudeDesktopConfig)).toEqual({
      mcpServers: { 'mcp-auth-lab': { command: 'npx', args: ['-y', 'mcp-remote', 'https://lab.example.com/mcp'] } },
    });
  });

  it.each([
    ['http://localhost:4321', 'npx -y mcp-remote http://localhost:4321/mcp'],
    ['http://127.0.0.1:8787', 'npx -y mcp-remote http://127.0.0.1:8787/mcp'],
    ['http://lab.internal:8080', 'npx -y mcp-remote http://lab.internal:8080/mcp --allow-http'],
  ])('allows plain http only where mcp-remote needs telling (%s)', (origin, command) => {
    expect(clientConnectionFor(origin).mcpRemoteCommand).toBe(command);
  });
});

describe('the Claude Desktop snippet', () => {
  it('keeps the argument list on one line, as people write it by hand', () => {
    expect(clientConnectionFor('https://lab.example.com').claudeDesktopConfig).toBe(
      [
        '{',
        '  "mcpServers": {',
        '    "mcp-auth-lab": {',
        '      "command": "npx",',
        '      "args": ["-y", "mcp-remote", "https://lab.example.com/mcp"]',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });
});
