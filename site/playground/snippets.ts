/**
 * "Copy as curl" and "Copy as TypeScript" for a playground call: the same `tools/call` the page
 * sends, written so a learner can run it outside the browser. Pure functions (no DOM).
 *
 *   - curl, Streamable HTTP: the one POST the page sends (server/mcp/streamable.ts is stateless).
 *   - curl, legacy HTTP+SSE: a stream in one terminal, the messages POSTed from another, because
 *     the answers come on the stream, not in the POSTs' responses (server/mcp/sse-session.ts).
 *   - TypeScript: the MCP SDK 1.32 client, which runs the whole lifecycle itself.
 *
 * The token is shown only when the learner reveals it. Masked, the snippets read it from the
 * MCP_TOKEN environment variable and refuse to run without it: a masked value must never be sent.
 */

import { mcpHeaderValue, requestMeta } from '../flow/mcp';
export interface CallForSnippet {
  /** The MCP endpoint URL, e.g. https://lab.example.com/mcp or …/github/mcp, or …/sse for legacy. */
  endpoint: string;
  transport: 'streamable-http' | 'sse';
  /** e.g. '2025-11-25' (sent as MCP-Protocol-Version on Streamable HTTP). */
  protocolVersion: string;
  /** The access token. */
  token: string;
  request: {
    jsonrpc: '2.0';
    id: number | string;
    method: 'tools/call';
    params: { name: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: string | number } };
  };
}

export interface SnippetOptions {
  revealToken: boolean;
}

// #region token masking

const ENDS_SHOWN = 4;
/** Below this length, 8 shown characters would be too much of the token: none is shown. */
const MIN_LENGTH_TO_SHOW_ENDS = 24;
const FULLY_MASKED = '••••••••';

/** "abcd…wxyz": enough to tell two tokens apart, never enough to use one. A short token is fully masked. */
export function maskToken(token: string): string {
  // Only visible ASCII is shown, so the mask is safe inside a shell or TypeScript comment.
  if (token.length < MIN_LENGTH_TO_SHOW_ENDS || !/^[\x21-\x7e]+$/.test(token)) return FULLY_MASKED;
  return `${token.slice(0, ENDS_SHOWN)}…${token.slice(-ENDS_SHOWN)}`;
}

// #endregion

// #region curl

/** POSIX single quotes: nothing inside is special except the quote itself, written '\''. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The Authorization header as one shell word. Masked, it expands $MCP_TOKEN, and `:?` makes the
 * shell refuse the whole curl command (with this message) while the variable is unset or empty.
 */
function authorizationArgument(token: string, { revealToken }: SnippetOptions): string {
  if (revealToken) return shellQuote(`Authorization: Bearer ${token}`);
  return '"Authorization: Bearer ${MCP_TOKEN:?reveal the token in the playground or export MCP_TOKEN}"';
}

function tokenComment(token: string, { revealToken }: SnippetOptions): string[] {
  if (revealToken) return ['# The access token is written out below: treat this snippet like a password.'];
  return [`# Token hidden (${maskToken(token)}): reveal it to copy it whole, or export MCP_TOKEN='<your access token>' first.`];
}

/** One command, each option on its own continued line. */
function curlCommand(url: string, options: string[]): string {
  return [`curl ${url}`, ...options].join(' \\\n  ');
}

const header = (name: string, value: string) => `-H ${shellQuote(`${name}: ${value}`)}`;
const data = (message: unknown) => `--data ${shellQuote(JSON.stringify(message))}`;

/** 2026-07-28 and later ("modern" MCP): no initialize; every request carries its own metadata. */
const FIRST_MODERN_PROTOCOL_VERSION = '2026-07-28';
const isModern = (protocolVersion: string) => protocolVersion >= FIRST_MODERN_PROTOCOL_VERSION;

/**
 * The message a modern server expects: the learner's request with the per-request envelope added
 * to its _meta (the protocol version and client capabilities that initialize used to carry).
 */
function withModernEnvelope(request: CallForSnippet['request'], protocolVersion: string): CallForSnippet['request'] {
  return { ...request, params: { ...request.params, _meta: { ...request.params._meta, ...requestMeta(protocolVersion) } } };
}

const wantsProgress = (call: CallForSnippet) => call.request.params._meta?.progressToken !== undefined;

function streamableHttpCurl(call: CallForSnippet, options: SnippetOptions): string {
  const modern = isModern(call.protocolVersion);
  const about = modern
    ? `# ${call.protocolVersion} has no initialize: the request carries its version in _meta, and Mcp-* headers mirror the body.`
    : '# A real client sends initialize first; this stateless server also answers a lone tools/call.';
  const flags = [
    ...(wantsProgress(call) ? ['--no-buffer'] : []), // print each progress event as it arrives
    header('Content-Type', 'application/json'),
    header('Accept', 'application/json, text/event-stream'),
    header('MCP-Protocol-Version', call.protocolVersion),
    ...(modern ? [header('Mcp-Method', call.request.method), header('Mcp-Name', mcpHeaderValue(call.request.params.name))] : []),
    `-H ${authorizationArgument(call.token, options)}`,
    data(modern ? withModernEnvelope(call.request, call.protocolVersion) : call.request),
  ];
  return [about, ...tokenComment(call.token, options), curlCommand(shellQuote(call.endpoint), flags), ''].join('\n');
}

const CURL_CLIENT_INFO = { name: 'curl', version: '1.0.0' };

/** Where this server's legacy stream sends messages: `<stream path>/message?sessionId=…` (server/mcp/sse-session.ts). */
function messageUrlTemplate(streamEndpoint: string): string {
  const url = new URL(streamEndpoint);
  return `${url.origin}${url.pathname.replace(/\/$/, '')}/message?sessionId=PASTE_THE_SESSION_ID`;
}

function legacySseCurl(call: CallForSnippet, options: SnippetOptions): string {
  const authorization = `-H ${authorizationArgument(call.token, options)}`;
  const post = (message: unknown) => curlCommand('"$SESSION_URL"', [header('Content-Type', 'application/json'), authorization, data(message)]);
  const initialize = {
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: call.protocolVersion, capabilities: {}, clientInfo: CURL_CLIENT_INFO },
  };
  return [
    '# Legacy HTTP+SSE takes two terminals: every answer arrives on the stream, not in the POST responses.',
    ...tokenComment(call.token, options),
    '',
    '# 1. Open the stream and leave it running. Its first event names your message URL:',
    '#      event: endpoint',
    '#      data: /…/message?sessionId=…',
    curlCommand(shellQuote(call.endpoint), ['-N', header('Accept', 'text/event-stream'), authorization]),
    '',
    '# 2. In a second terminal, put that sessionId in SESSION_URL, then send the three messages in order',
    '#    (each POST answers 202 Accepted; the results appear in the first terminal).',
    `SESSION_URL=${shellQuote(messageUrlTemplate(call.endpoint))}`,
    post(initialize),
    post({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    post(call.request),
    '',
  ].join('\n');
}

/** The call as shell commands for curl (bash, zsh or any POSIX shell). */
export function curlSnippet(call: CallForSnippet, options: SnippetOptions): string {
  return call.transport === 'sse' ? legacySseCurl(call, options) : streamableHttpCurl(call, options);
}

// #endregion

// #region TypeScript

/** A single-quoted TypeScript string literal (JSON's escapes, with the quote characters swapped). */
export function tsString(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${escaped}'`;
}

/** JSON formatted as a TypeScript expression, indented to sit at `indent`. */
function tsJson(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
}

const TRANSPORTS = {
  'streamable-http': { className: 'StreamableHTTPClientTransport', module: '@modelcontextprotocol/sdk/client/streamableHttp.js' },
  sse: { className: 'SSEClientTransport', module: '@modelcontextprotocol/sdk/client/sse.js' },
} as const;

function tokenLines(token: string, { revealToken }: SnippetOptions): string[] {
  if (revealToken) return ['// The access token is written out here: treat this file like a password.', `const token = ${tsString(token)};`];
  return [
    `// Token hidden in the playground (${maskToken(token)}): run with MCP_TOKEN set to it.`,
    'const token = process.env.MCP_TOKEN;',
    "if (!token) throw new Error('Set MCP_TOKEN to your access token (reveal it in the playground to copy it).');",
  ];
}

function callToolLines(call: CallForSnippet): string[] {
  const { name, arguments: args } = call.request.params;
  const params = [`  name: ${tsString(name)},`, ...(args === undefined ? [] : [`  arguments: ${tsJson(args, '  ')},`])];
  if (!wantsProgress(call)) return ['const result = await client.callTool({', ...params, '});'];
  return [
    '// With onprogress the SDK puts its own progressToken in _meta and routes the notifications here.',
    'const result = await client.callTool({', ...params, '}, undefined, {',
    '  onprogress: (progress) => console.log(`progress ${progress.progress}/${progress.total ?? \'?\'}`, progress.message ?? \'\'),',
    '});',
  ];
}

/** The call with the MCP TypeScript SDK 1.32 client: an ES module with top-level await. */
export function typescriptSnippet(call: CallForSnippet, options: SnippetOptions): string {
  const transport = TRANSPORTS[call.transport];
  return [
    '// npm install @modelcontextprotocol/sdk@1.32, save as call.mts, run with: node call.mts',
    "import { Client } from '@modelcontextprotocol/sdk/client/index.js';",
    `import { ${transport.className} } from '${transport.module}';`,
    '',
    ...tokenLines(call.token, options),
    '',
    ...(call.transport === 'sse' ? ['// SDK 1.32 sends these headers on the GET that opens the stream as well as on every POST.'] : []),
    `const transport = new ${transport.className}(new URL(${tsString(call.endpoint)}), {`,
    '  requestInit: { headers: { Authorization: `Bearer ${token}` } },',
    '});',
    "const client = new Client({ name: 'mcp-auth-lab-snippet', version: '1.0.0' });",
    '// connect() runs initialize (agreeing on the protocol version) and notifications/initialized.',
    'await client.connect(transport);',
    'try {',
    ...callToolLines(call).map((line) => `  ${line}`.replaceAll('\n', '\n  ')),
    '  console.log(JSON.stringify(result, null, 2));',
    '} finally {',
    '  await client.close();',
    '}',
    '',
  ].join('\n');
}

// #endregion
