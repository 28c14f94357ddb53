import type { AuthOption } from '../auth-option';
import type { AuthOptionEntry, AuthOptionId } from '../catalogue';
import { streamableMcpEndpoint, tokensIssuedHere } from '../mcp/endpoints';
import type { ToolDefinition } from '../mcp/tools';
import { memo } from './memo';

/**
 * The endpoint of an option whose tokens this Worker's own authorization server issues after the
 * option's sign-in (options 2 and 3a): Streamable HTTP at the catalogue's path, accepting only
 * grants made through that option, serving these tools.
 */
export function endpointIssuedHere(entry: AuthOptionEntry, tools: ToolDefinition[]): AuthOption['endpoints'] {
  return memo(({ origin, authorizationServer }) => {
    const path = entry.endpoints['streamable-http'];
    if (!path) throw new Error(`${entry.id} has no Streamable HTTP endpoint in the catalogue`);
    const endpoint = streamableMcpEndpoint({
      origin,
      path,
      resourceName: entry.title,
      authorizationServers: [origin],
      validateToken: tokensIssuedHere(authorizationServer, entry.id as AuthOptionId),
      tools,
    });
    return new Map([[path, endpoint]]);
  });
}
