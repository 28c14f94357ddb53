import { externalOption } from './external';
import { githubOption } from './github';
import { oidcProxyOption } from './oidc-proxy';
import type { AuthOption } from './option';

/**
 * The options besides option 1, each at its own MCP endpoint (see option.ts):
 *   /github/mcp    option 2: GitHub behind the Worker
 *   /oidc/mcp      option 3a: your identity provider behind the Worker (proxy)
 *   /external/mcp  option 3b: your provider as a separate authorization server
 */
export const OPTIONS: readonly AuthOption[] = [githubOption, oidcProxyOption, externalOption];

export type { AuthOption } from './option';
