import { OAuthResourceServer, insufficientScope, type OAuthAuthorizationServer, type OAuthResourceAuth, type OAuthResourceServerOptions } from '@cloudflare/workers-oauth-provider';
import type { ServerEnv } from '../env';
import { BodyTooLargeError, MAX_BODY_BYTES, readBodyText, withBody } from '../http/body';
import { INVALID_REQUEST, jsonRpcError, parseJsonRpc, type JsonRpcMessage } from '../http/json-rpc';
import { SERVER_INFO } from '../server-info';
import { fitsKvLookup } from '../oauth/kv-key-limits';
import type { GrantProps } from '../grant-props';
import { BASELINE_SCOPES, missingScopes } from '../scopes';
import { streamableHttpHandlerFor } from './streamable';
import type { ToolDefinition } from './tools';

/**
 * The protected MCP endpoints, as each auth option builds them (server/options/). Each is an
 * RFC 9728 protected resource with its own audience: a token for one is refused at every other.
 * The library answers unauthenticated requests (401 + WWW-Authenticate with resource_metadata and
 * scope) and serves /.well-known/oauth-protected-resource/<path>; what reaches the handlers here
 * has a valid token.
 */

/** Body checks shared by both transports: 413, JSON-RPC parse errors, then scope step-up. */
export async function readMcpMessages(
  request: Request,
  auth: OAuthResourceAuth,
  tools: ReadonlyMap<string, ToolDefinition>,
): Promise<{ body: string; messages: JsonRpcMessage[] } | Response> {
  let body: string;
  try {
    body = await readBodyText(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return jsonRpcError(413, INVALID_REQUEST, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes.`);
    }
    throw error;
  }
  const messages = parseJsonRpc(body);
  if (messages instanceof Response) return messages;
  // #region scope-check
  for (const message of messages) {
    if (message.method !== 'tools/call') continue;
    const tool = tools.get(String(message.params?.name));
    if (!tool) continue; // an unknown tool is the MCP server's to answer (a JSON-RPC error)
    const missing = missingScopes(auth.scope, tool.requiredScopes);
    if (missing.length > 0) {
      // RFC 6750 §3.1 / MCP "scope challenge": 403 naming every scope the call needs.
      return insufficientScope(auth, tool.requiredScopes, `The ${tool.name} tool needs the ${missing.join(' ')} scope.`);
    }
  }
  // #endregion scope-check
  return { body, messages };
}

/**
 * The baseline scope is needed for any MCP traffic, not only tool calls: a token granted without
 * it (the user unticked it on the consent page) is asked to step up before anything runs.
 */
export function baselineChallenge(auth: OAuthResourceAuth): Response | null {
  if (missingScopes(auth.scope, BASELINE_SCOPES).length === 0) return null;
  return insufficientScope(auth, BASELINE_SCOPES, `This server needs the ${BASELINE_SCOPES.join(' ')} scope for any request.`);
}

type McpHandler = (request: Request, env: ServerEnv, ctx: ExecutionContext & { props: GrantProps; auth: OAuthResourceAuth }) => Promise<Response>;
type TokenValidator = OAuthResourceServerOptions<ServerEnv, GrantProps>['validateToken'];

export function protectedResource(endpoint: Omit<McpEndpoint, 'tools'>, fetch: McpHandler) {
  return new OAuthResourceServer<ServerEnv, GrantProps>({
    resourceMetadata: {
      resource: endpoint.origin + endpoint.path,
      authorization_servers: endpoint.authorizationServers,
      bearer_methods_supported: ['header'],
      resource_name: `${SERVER_INFO.title} — ${endpoint.resourceName}`,
    },
    requiredScopes: BASELINE_SCOPES,
    validateToken: endpoint.validateToken,
    handler: { fetch },
  });
}

/**
 * Tokens this Worker's authorization server issued for `resource`, through the given option's
 * sign-in: a grant made another way is refused even when its audience matches (defence in depth
 * beside the /authorize checks). A token too long to be ours is invalid (401), not a KV failure.
 */
export function tokensIssuedHere(authorizationServer: OAuthAuthorizationServer<ServerEnv>, signedInWith: GrantProps['signedInWith']): TokenValidator {
  return (env) => async (resource, token) => {
    if (!fitsKvLookup(token)) return null;
    const validated = await authorizationServer.validateToken<GrantProps>(resource, token, env);
    return validated?.props.signedInWith === signedInWith ? validated : null;
  };
}

export interface McpEndpoint {
  origin: string;
  path: string;
  /** What the endpoint is, after the server's title in its metadata, e.g. "GitHub behind the Worker". */
  resourceName: string;
  /** The issuers whose tokens this endpoint accepts, published in its protected resource metadata. */
  authorizationServers: string[];
  validateToken: TokenValidator;
  /** Every tool this endpoint serves (the shared ones and any of its own). */
  tools: ToolDefinition[];
}

/** An MCP endpoint over Streamable HTTP, protected: scope checks, then createMcpHandler. */
export function streamableMcpEndpoint(endpoint: McpEndpoint): OAuthResourceServer<ServerEnv, GrantProps> {
  const byName = new Map(endpoint.tools.map((tool) => [tool.name, tool]));
  const handler = streamableHttpHandlerFor(endpoint.path, endpoint.tools);
  return protectedResource(endpoint, async (request, env, ctx) => {
    const baseline = baselineChallenge(ctx.auth);
    if (baseline) return baseline;
    if (request.method !== 'POST') return handler(request, env, ctx);
    const checked = await readMcpMessages(request, ctx.auth, byName);
    if (checked instanceof Response) return checked;
    return handler(withBody(request, checked.body), env, ctx);
  });
}
