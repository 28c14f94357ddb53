import { handle } from '@astrojs/cloudflare/handler';
import { handleServerRequest, type ServerEnv } from '../server/index';

// The one Worker: the companion MCP server answers its own routes (OAuth, /mcp, /sse);
// everything else is the Astro site. The server never imports from site/.
export { LegacySseSession } from '../server/index';

export default {
  async fetch(request, env, ctx) {
    return (await handleServerRequest(request, env as ServerEnv, ctx)) ?? handle(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
