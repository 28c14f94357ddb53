import { TOOLS, type ToolDefinition } from '../../../server/mcp/tools';
import { githubProfile } from '../../../server/options/github';
import { tokenClaims } from '../../../server/options/oidc-external';
import { oidcUserinfo } from '../../../server/options/oidc-proxy';
import type { EndpointName } from './options';

/** The tools each MCP endpoint serves, as defined: the shared ones, plus the option's own. */
export const TOOLS_AT: Record<EndpointName, ToolDefinition[]> = {
  worker: TOOLS,
  sse: TOOLS,
  github: [...TOOLS, githubProfile],
  oidc: [...TOOLS, oidcUserinfo],
  external: [...TOOLS, tokenClaims],
};

/** Arguments that make each tool succeed; the others take none. */
export const WORKING_ARGUMENTS: Record<string, Record<string, unknown>> = {
  add: { a: 2, b: 3.5 },
  countdown: { seconds: 1 },
  save_note: { text: 'from the workers tests', tag: 'idea' },
};
