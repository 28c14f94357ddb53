import type { ServerContext } from '../context';
import type { ServerEnv } from '../env';
import type { GrantProps } from '../grant-props';
import { originRejection } from '../http/origin';
import { fitsKvLookup } from '../oauth/kv-key-limits';
import { PROTECTED_RESOURCE_METADATA } from '../routes';
import { streamableMcpEndpoint } from '../mcp/endpoints';
import { TOOLS } from '../mcp/tools';
import type { LabEnv, TracedServer } from './env';
import { AUDIENCE_DEMO_PATH } from './exchange';

/**
 * A DELIBERATELY BROKEN MCP endpoint, for one attack lab only ("a token for another endpoint"):
 * the same endpoint code as /mcp, with one check switched off — it accepts any access token this
 * Worker issued, whatever resource the token was issued for. The lab shows the harm by presenting
 * the learner's own token for one endpoint here and getting answers as that learner.
 *
 * Isolated by construction: it lives in the lab layer (a fork of server/ never has it), it serves
 * only the shared read-only tools (whoami, add, countdown: nothing is written, and whoami reads
 * only the token's own props), and a token opens only its own user's data, so a learner can reach
 * nobody's data but their own. It is not in the server's route table, its metadata or its
 * discovery documents. Its path is in exchange.ts, the lab's contract with the page.
 */

export const isAudienceDemoRoute = (pathname: string) =>
  pathname === AUDIENCE_DEMO_PATH || pathname === PROTECTED_RESOURCE_METADATA + AUDIENCE_DEMO_PATH;

const READ_ONLY_TOOLS = TOOLS.filter((tool) => tool.annotations.readOnlyHint);

/** Only this site's own pages may call it (no CORS, no other Origin). Errors are routes.ts's to answer. */
export async function serveAudienceDemo(request: Request, env: LabEnv, ctx: ExecutionContext, server: TracedServer): Promise<Response> {
  const context = server.contextFor(request, env);
  const rejection = originRejection(request, new Set([context.origin]));
  if (rejection) return rejection;
  return audienceDemoEndpoint(server, context).fetch(request, env, ctx);
}

function audienceDemoEndpoint(server: TracedServer, context: ServerContext) {
  const demoResource = context.origin + AUDIENCE_DEMO_PATH;
  // Every resource this Worker's own authorization server issues tokens for (none: nothing is accepted).
  const ownResources = server.routes.endpoints.filter((row) => row.tokensFrom === 'this-worker').map((row) => context.origin + row.path);
  return streamableMcpEndpoint({
    origin: context.origin,
    path: AUDIENCE_DEMO_PATH,
    resourceName: 'DEMO: the audience check switched off (lab only, read-only)',
    authorizationServers: ownResources.length > 0 ? [context.origin] : [],
    tools: READ_ONLY_TOOLS,
    // #region audience-check-switched-off
    validateToken: (env: ServerEnv) => async (_resource: string, token: string) => {
      if (ownResources.length === 0 || !fitsKvLookup(token)) return null;
      for (const resource of ownResources) {
        const validated = await context.authorizationServer.validateToken<GrantProps>(resource, token, env);
        // THE HOLE: a real token, but issued for another resource, is reported as issued for this one.
        // The real endpoints ask for their own resource only, and refuse everything else (401).
        if (validated) return { ...validated, audience: demoResource };
      }
      return null;
    },
    // #endregion audience-check-switched-off
  });
}
