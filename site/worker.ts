import { handle } from '@astrojs/cloudflare/handler';
import { server, type ServerEnv } from '../server/index';
import { withTracing, type LabEnv } from '../server/lab/index';

// The one Worker: the companion MCP server answers its own routes (OAuth, the MCP endpoints, the
// simulated providers); everything else is the Astro site. The lab's tracing layer wraps both
// (server/lab/): it serves /lab/traces and the in-page client's identities, and records what the
// page cannot see. The server never imports from site/.
export { LegacySseSession } from '../server/index';
export { TraceSession } from '../server/lab/index';

// Annotated, not inferred: Env's SELF binding (this Worker bound to itself) refers back to this export's type.
const worker: ExportedHandler<Env> = {
  fetch: withTracing<LabEnv & Env>(server, async (request, env, ctx) => (await server.handle(request, env as ServerEnv, ctx)) ?? handle(request, env, ctx)),
};
export default worker;
