/** How this server introduces itself in `initialize`, on both transports. */
export const SERVER_INFO = { name: 'mcp-auth-lab', title: 'MCP Auth Lab companion server', version: '0.1.0' };
