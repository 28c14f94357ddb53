import type { ServerEnv } from './env';
import * as options from './options/index';
import { createServer } from './server';
import * as simulatedProviders from './simulated/index';

/**
 * The MCP server this Worker runs: the auth options listed in options/index.ts, each at its own
 * endpoints (catalogue.ts), and the simulated providers listed in simulated/index.ts.
 */
// #region create-server
export const server = createServer({ options: Object.values(options), simulatedProviders: Object.values(simulatedProviders) });
// #endregion create-server

// One Durable Object per legacy HTTP+SSE session (option 1's /sse); its binding is in wrangler.jsonc.
// (A starter for an option without SSE is generated without this line.)
export { LegacySseSession } from './mcp/sse';
export type { ServerEnv } from './env';

export default { fetch: server.fetch } satisfies ExportedHandler<ServerEnv>;
