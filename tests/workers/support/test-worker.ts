import { server, type ServerEnv } from '../../../server/index';
import { withTracing, type LabEnv } from '../../../server/lab/index';

/**
 * The Worker under test: site/worker.ts without Astro (a test entry cannot import Astro's
 * handler). The lab's tracing layer wraps the companion server, and a stand-in answers for the
 * site: the callback page the in-page client's flows end on, and otherwise what the server on
 * its own answers.
 */
export { LegacySseSession } from '../../../server/index';
export { TraceSession } from '../../../server/lab/index';

export const STAND_IN_CALLBACK_PAGE = '<!doctype html><title>Callback</title><p>The lab page takes it from here.</p>';

async function standInSite(request: Request, env: LabEnv, ctx: ExecutionContext): Promise<Response> {
  if (new URL(request.url).pathname === '/lab/callback') {
    return new Response(STAND_IN_CALLBACK_PAGE, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }
  return server.fetch(request, env, ctx);
}

export default {
  fetch: withTracing<LabEnv>(server, async (request, env, ctx) => (await server.handle(request, env as ServerEnv, ctx)) ?? standInSite(request, env, ctx)),
} satisfies ExportedHandler<LabEnv>;
