import { env } from 'cloudflare:workers';
import type { ServerEnv } from '../../../server/env';
import { CookieJar, type HeadlessUserOptions } from '../../support/headless-user';
import { mcpRequest, postMcp, rpc, toolCall } from './mcp-client';
import { actAsUser, authorizationUrl, callbackParams, exchangeCode, pkce, registerClient, tokensFrom, type Client } from './oauth-client';
import { ORIGIN } from './worker';

/**
 * The lab's MCP endpoints by option, and the whole flow for the ones whose tokens this Worker
 * issues (options 1, 2 and 3a): register, authorize for the option's resource, walk the pages
 * (the lab's and, for 2 and 3a, the simulated provider's), exchange the code.
 */
export const ENDPOINTS = {
  worker: '/mcp',
  sse: '/sse',
  github: '/github/mcp',
  oidc: '/oidc/mcp',
  external: '/external/mcp',
} as const;
export type EndpointName = keyof typeof ENDPOINTS;
export const resourceOf = (name: EndpointName) => ORIGIN + ENDPOINTS[name];

export interface FlowOptions extends Omit<HeadlessUserOptions, 'fetch'> {
  client?: Client;
  jar?: CookieJar;
  scope?: string;
  state?: string;
}

/** Authorizes at this Worker for one resource; returns the callback's parameters (code or error). */
export async function authorizeFor(resource: string, options: FlowOptions = {}) {
  const client = options.client ?? (await registerClient());
  const jar = options.jar ?? new CookieJar();
  const { verifier, challenge } = await pkce();
  const state = options.state ?? crypto.randomUUID();
  const url = authorizationUrl({ client, challenge, scope: options.scope, resource, state });
  const params = callbackParams(await actAsUser(url, jar, options));
  return { client, jar, verifier, state, params };
}

/** The whole flow to an access token for a resource this Worker issues tokens for. */
export async function tokenFor(resource: string, options: FlowOptions = {}) {
  const flow = await authorizeFor(resource, options);
  const code = flow.params.get('code');
  if (!code) throw new Error(`no code: ${flow.params}`);
  const tokens = await tokensFrom(await exchangeCode(flow.client, code, flow.verifier, resource));
  return { ...flow, tokens };
}

/** tools/call at an endpoint, failing loudly on anything but HTTP 200. */
export async function callTool(path: string, token: string, name: string, args: Record<string, unknown> = {}) {
  const request = toolCall(name, args);
  const { response, messages } = await postMcp(request, { token, path });
  if (response.status !== 200) throw new Error(`${name} at ${path}: HTTP ${response.status} ${await response.text()}`);
  const answer = messages.find((message) => message.id === request.id);
  if (!answer) throw new Error(`no answer from ${name}`);
  return answer;
}

export async function toolNames(path: string, token: string): Promise<string[]> {
  const request = rpc('tools/list');
  const { response, messages } = await postMcp(request, { token, path });
  if (response.status !== 200) throw new Error(`tools/list at ${path}: HTTP ${response.status}`);
  return ((messages.find((message) => message.id === request.id)?.result?.tools ?? []) as { name: string }[]).map((tool) => tool.name).sort();
}

export { mcpRequest };

/** The Worker's environment: the same object it reads on every request, so a test can change its configuration. */
export const serverEnv = env as unknown as ServerEnv & { SERVER_SECRET: string };
const configured = new Set<string>();

/** Sets configuration (e.g. GITHUB_CLIENT_ID) for the rest of a test; `restoreConfiguration` undoes it. */
export function configure(vars: Partial<ServerEnv>): void {
  Object.assign(serverEnv, vars);
  for (const name of Object.keys(vars)) configured.add(name);
}

export function restoreConfiguration(): void {
  for (const name of configured) Reflect.deleteProperty(serverEnv, name);
  configured.clear();
}
