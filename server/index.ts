import { githubOption } from './options/github/index';
import { oidcExternalOption } from './options/oidc-external/index';
import { oidcProxyOption } from './options/oidc-proxy/index';
import { workerOption } from './options/worker/index';
import type { ServerEnv } from './env';
import { createServer } from './server';
import { simulatedGithub } from './simulated/github';
import { simulatedOidc } from './simulated/oidc/provider';

/**
 * The companion MCP server: every auth option at once, each at its own endpoints (catalogue.ts),
 * and the simulated providers that stand in for GitHub and an OpenID provider when none is
 * configured. To drop an option, remove its line; a starter generated for one option
 * (`npm run starter`) has a file like this one with that option alone.
 */
export const server = createServer({
  options: [
    workerOption, // 1: the Worker signs the user in and issues the tokens (/mcp, /sse)
    githubOption, // 2: GitHub signs the user in, the Worker issues the tokens (/github/mcp)
    oidcProxyOption, // 3a: an OpenID provider signs the user in, the Worker issues the tokens (/oidc/mcp)
    oidcExternalOption, // 3b: the provider issues the tokens, the Worker checks them (/external/mcp)
  ],
  simulatedProviders: [simulatedGithub, simulatedOidc],
});

/** One Durable Object per legacy HTTP+SSE session (option 1's /sse); the binding is in wrangler.jsonc. */
export { LegacySseSession } from './mcp/sse';
export type { ServerEnv } from './env';

export default { fetch: server.fetch } satisfies ExportedHandler<ServerEnv>;
