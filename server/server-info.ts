/**
 * How this server names itself: in MCP `initialize` (`serverInfo`), on its own pages (sign-in,
 * consent, errors) and in its protected resource metadata. A starter generated from this server
 * gets its own copy of this file with the starter's name.
 */
export const SERVER_INFO = { name: 'mcp-auth-lab', title: 'MCP Auth Lab', version: '0.2.0' };
