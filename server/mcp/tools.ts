import { z } from 'zod';
import type { GrantProps } from '../grant-props';
import type { Caller } from './caller';
import { SCOPES } from '../scopes';

/**
 * The tools, defined once. Each transport adapter (streamable.ts for /mcp, sse.ts for /sse)
 * registers every tool here with its own SDK, and the HTTP layer (mcp/endpoints.ts) refuses a
 * call whose token lacks `requiredScopes` with a 403 step-up challenge before any tool runs.
 */

export interface ToolContext {
  caller: Caller;
  /** The grant's props (or, where the provider issues the tokens, what its token says): an option's own tool reads its data here. */
  props: GrantProps;
  transport: 'streamable-http' | 'sse';
  /** Report progress; does nothing when the client sent no progress token. */
  progress(progress: number, total: number, message: string): Promise<void>;
  signal: AbortSignal;
  kv: KVNamespace;
}

export type ToolResult = {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
};

/** Hints about a tool's behaviour for clients (MCP "ToolAnnotations"); hints, not guarantees. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: Shape;
  /**
   * The shape of the result's `structuredContent`, advertised as `outputSchema`: the SDK checks
   * every result against it before sending, and clients may check it again.
   */
  output?: z.ZodRawShape;
  annotations?: ToolAnnotations;
  /** Every scope a call needs. Checked at the HTTP layer so the client gets a 403 it can act on. */
  requiredScopes: string[];
  run(args: z.infer<z.ZodObject<Shape>>, context: ToolContext): Promise<ToolResult>;
}

export const define = <Shape extends z.ZodRawShape>(tool: ToolDefinition<Shape>) => tool as unknown as ToolDefinition;

/**
 * The descriptor fields both transports register for a tool besides its schemas. The scopes a call
 * needs go in `_meta` so a client can show them before calling: the spec has no field for
 * per-tool scopes (unprefixed `_meta` names are allowed), and the 403 challenge stays the authority.
 */
export const descriptorExtras = (tool: ToolDefinition) => ({
  ...(tool.annotations && { annotations: { title: tool.title, ...tool.annotations } }),
  _meta: { requiredScopes: tool.requiredScopes },
});

export const text = (value: string, structured?: Record<string, unknown>): ToolResult => ({
  content: [{ type: 'text', text: value }],
  ...(structured && { structuredContent: structured }),
});

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Notes kept per user by `save_note`. KV key `note:<userId>`, see server/STORAGE.md. */
const MAX_NOTES = 20;

export const TOOLS: ToolDefinition[] = [
  define({
    name: 'add',
    title: 'Add two numbers',
    description: 'Adds two numbers and returns the sum.',
    input: { a: z.number().describe('First number'), b: z.number().describe('Second number') },
    output: { sum: z.number().describe('a + b') },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    requiredScopes: [SCOPES.read],
    async run({ a, b }) {
      return text(String(a + b), { sum: a + b });
    },
  }),
  define({
    name: 'whoami',
    title: 'Who am I?',
    description:
      'Shows what the access token tells this server about you: user, client, granted scopes, expiry and audience.',
    input: {},
    output: {
      user: z.object({ id: z.string(), name: z.string() }),
      signed_in_with: z.string().optional().describe('The auth option the grant was made through'),
      client_id: z.string(),
      scopes: z.array(z.string()),
      expires_at: z.string().nullable().describe('When the access token expires (ISO 8601)'),
      audience: z.string().describe('The resource the token was issued for (RFC 8707)'),
      transport: z.enum(['streamable-http', 'sse']),
    },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    requiredScopes: [SCOPES.read],
    // #region whoami-run
    async run(_args, { caller, transport, props }) {
      const about = {
        user: { id: caller.userId, name: caller.userName },
        signed_in_with: props.signedInWith,
        client_id: caller.clientId,
        scopes: caller.scopes,
        expires_at: caller.expiresAt ? new Date(caller.expiresAt * 1000).toISOString() : null,
        audience: caller.resource,
        transport,
      };
      return text(JSON.stringify(about, null, 2), about);
    },
    // #endregion whoami-run
  }),
  define({
    name: 'countdown',
    title: 'Count down with progress',
    description:
      'Counts down for a few seconds, sending a progress notification each second (pass a progressToken in _meta to see them).',
    input: { seconds: z.number().int().min(1).max(10).default(3).describe('How many seconds to count (1-10)') },
    output: { seconds: z.number().int().describe('How many seconds were counted') },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    requiredScopes: [SCOPES.read],
    async run({ seconds }, { progress, signal }) {
      for (let done = 0; done < seconds; done++) {
        await progress(done, seconds, `${seconds - done} seconds to go`);
        await sleep(1000, signal);
      }
      // No "100%" notification: the result itself says it is done, and on the legacy SSE
      // transport a notification sent right before the result can arrive after it, when the
      // client no longer listens for that request's progress.
      return text(`Counted down from ${seconds}.`, { seconds });
    },
  }),
  // #region save-note-tool
  define({
    name: 'save_note',
    title: 'Save a note',
    description: 'Saves a short note to your account. Needs the mcp:write scope.',
    input: { text: z.string().min(1).max(500).describe('The note, up to 500 characters') },
    output: { count: z.number().int().describe('How many notes you have'), notes: z.array(z.string()).describe('Your notes, oldest first') },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    requiredScopes: [SCOPES.read, SCOPES.write],
    async run({ text: note }, { caller, kv }) {
      const key = `note:${caller.userId}`;
      const notes = ((await kv.get<string[]>(key, 'json')) ?? []).slice(-(MAX_NOTES - 1));
      notes.push(note);
      await kv.put(key, JSON.stringify(notes));
      return text(`Saved. You have ${notes.length} note${notes.length === 1 ? '' : 's'}.`, { count: notes.length, notes });
    },
  }),
  // #endregion save-note-tool
];

export const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));
