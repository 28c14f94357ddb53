import { z } from 'zod';
import type { GrantProps } from '../grant-props';
import type { Caller } from './caller';
import { SCOPES } from '../scopes';

/**
 * The tools, defined once. Each transport adapter (streamable.ts for /mcp, sse.ts for /sse)
 * registers every tool here with its own SDK, from the same `descriptorOf(tool)`, and the HTTP
 * layer (mcp/endpoints.ts) refuses a call whose token lacks `requiredScopes` with a 403 step-up
 * challenge before any tool runs.
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

type TextContent = { type: 'text'; text: string };

/**
 * What a tool's `run` returns: a success carries `structuredContent` of the tool's `output` shape
 * (and a text for clients that read only `content`); a failure is a tool error, without it.
 */
export type ToolResult<Structured = Record<string, unknown>> =
  | { content: TextContent[]; structuredContent: Structured; isError?: false; [key: string]: unknown }
  | { content: TextContent[]; structuredContent?: undefined; isError: true; [key: string]: unknown };

/** Hints about a tool's behaviour for clients (MCP "ToolAnnotations"); hints, not guarantees. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  /** Meaningful only when readOnlyHint is false: may the tool remove or overwrite data? */
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** Does the tool reach beyond this server (e.g. another service's API)? */
  openWorldHint: boolean;
}

// #region tool-definition
export interface ToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape, Output extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** The arguments; every one has a `.describe()`, shown to the user (hover text, completion). */
  input: Shape;
  /**
   * The shape of the result's `structuredContent`, advertised as `outputSchema` (a strict object:
   * no other keys). The SDK checks every successful result against it before sending, and turns a
   * mismatch into a tool error, so a wrong shape never reaches a client as a result.
   */
  output: Output;
  annotations: ToolAnnotations;
  /** Every scope a call needs. Checked at the HTTP layer so the client gets a 403 it can act on. */
  requiredScopes: string[];
  run(args: z.infer<z.ZodObject<Shape>>, context: ToolContext): Promise<ToolResult<z.infer<z.ZodObject<Output>>>>;
}
// #endregion tool-definition

export const define = <Shape extends z.ZodRawShape, Output extends z.ZodRawShape>(tool: ToolDefinition<Shape, Output>) =>
  tool as unknown as ToolDefinition;

const descriptors = new WeakMap<ToolDefinition, ReturnType<typeof describeTool>>();

// #region tool-descriptor
function describeTool(tool: ToolDefinition) {
  return {
    title: tool.title,
    description: tool.description,
    inputSchema: z.object(tool.input),
    outputSchema: z.strictObject(tool.output),
    annotations: { title: tool.title, ...tool.annotations },
    // Unprefixed _meta names are allowed by the MCP spec's _meta rules and no standard field holds per-tool scopes; the 403 insufficient_scope challenge stays the authority.
    _meta: { requiredScopes: tool.requiredScopes },
  };
}
// #endregion tool-descriptor

/** What both transports register for a tool (built once per tool): schemas, annotations, `_meta`. */
export function descriptorOf(tool: ToolDefinition) {
  let descriptor = descriptors.get(tool);
  if (!descriptor) {
    descriptor = describeTool(tool);
    descriptors.set(tool, descriptor);
  }
  return descriptor;
}

// #region result-helpers
/**
 * A successful result: `structuredContent` for code, and the same JSON as text for clients that
 * read only `content` (the spec's "SHOULD also return the serialized JSON in a TextContent block").
 */
export const result = <Structured extends Record<string, unknown>>(structured: Structured): ToolResult<Structured> => ({
  content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }],
  structuredContent: structured,
});

/** A tool error (`isError: true`): the model and the user read why the tool could not do it. */
export const failure = (value: string): ToolResult<never> => ({ content: [{ type: 'text', text: value }], isError: true });
// #endregion result-helpers

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Notes kept per user by `save_note`. KV key `note:<userId>`, see server/STORAGE.md. */
const MAX_NOTES = 20;
/**
 * How long a user's notes are kept after their last save: anyone can sign in to the demo under a
 * new name, so without an expiry the keys would grow without bound.
 */
export const NOTES_TTL_SECONDS = 30 * 24 * 60 * 60;
export const NOTE_TAGS = ['idea', 'todo', 'question'] as const;
type StoredNote = { text: string; tag?: (typeof NOTE_TAGS)[number] };

/** The stored list, oldest first. Notes saved before tags existed are plain strings: read as untagged. */
async function readNotes(kv: KVNamespace, key: string): Promise<StoredNote[]> {
  const stored = await kv.get<unknown>(key, 'json');
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((note): StoredNote[] => {
    if (typeof note === 'string') return [{ text: note }];
    if (typeof note === 'object' && note !== null && typeof note.text === 'string') {
      return [{ text: note.text, ...(NOTE_TAGS.includes(note.tag) && { tag: note.tag }) }];
    }
    return [];
  });
}

const savedNote = z.strictObject({
  text: z.string().describe('The note as saved'),
  tag: z.enum(NOTE_TAGS).optional().describe('Its tag, if it was given one'),
});

export const TOOLS: ToolDefinition[] = [
  // #region add-tool
  define({
    name: 'add',
    title: 'Add two numbers',
    description: 'Adds two numbers and returns the sum. Needs the mcp:read scope.',
    input: { a: z.number().describe('The first number'), b: z.number().describe('The number to add to it') },
    output: { sum: z.number().describe('a + b') },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: [SCOPES.read],
    async run({ a, b }) {
      return result({ sum: a + b });
    },
  }),
  // #endregion add-tool
  define({
    name: 'whoami',
    title: 'Who am I?',
    description:
      'Shows what the access token tells this server about you: user, client, granted scopes, expiry and audience. Needs the mcp:read scope.',
    input: {},
    output: {
      user: z.strictObject({ id: z.string().describe('Your user id on this server'), name: z.string().describe('Your name as you signed in') }).describe('Who the token is for'),
      signed_in_with: z.string().describe('The auth option the grant was made through'),
      client_id: z.string().describe('The MCP client the token was issued to'),
      scopes: z.array(z.string()).describe('The scopes the token grants'),
      expires_at: z.string().nullable().describe('When the access token expires (ISO 8601), or null if it does not say'),
      audience: z.string().describe('The resource the token was issued for (RFC 8707)'),
      transport: z.enum(['streamable-http', 'sse']).describe('The MCP transport this call came over'),
    },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
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
      return result(about);
    },
    // #endregion whoami-run
  }),
  // #region countdown-tool
  define({
    name: 'countdown',
    title: 'Count down with progress',
    description:
      'Counts down for a few seconds, sending a progress notification each second (pass a progressToken in _meta to see them). Needs the mcp:read scope.',
    input: { seconds: z.number().int().min(1).max(10).default(3).describe('How many seconds to count (1-10, default 3)') },
    output: { seconds: z.number().int().describe('How many seconds were counted') },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: [SCOPES.read],
    async run({ seconds }, { progress, signal }) {
      for (let done = 0; done < seconds; done++) {
        await progress(done, seconds, `${seconds - done} seconds to go`);
        await sleep(1000, signal);
      }
      // No "100%" notification: the result itself says it is done, and on the legacy SSE
      // transport a notification sent right before the result can arrive after it, when the
      // client no longer listens for that request's progress.
      return result({ seconds });
    },
  }),
  // #endregion countdown-tool
  // #region save-note-tool
  define({
    name: 'save_note',
    title: 'Save a note',
    description: `Saves a short note to your account, optionally tagged. Keeps your last ${MAX_NOTES} notes: saving more drops the oldest. Needs the mcp:write scope.`,
    input: {
      text: z.string().min(1).max(500).describe('The note, up to 500 characters'),
      tag: z.enum(NOTE_TAGS).optional().describe('Tag the note as an idea, a todo or a question'),
    },
    output: {
      count: z.number().int().describe('How many notes you have'),
      saved: savedNote.describe('The note just saved'),
      notes: z.array(z.string()).describe('The text of your notes, oldest first'),
    },
    // Not read-only; destructive because past the limit a save drops the oldest note.
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    requiredScopes: [SCOPES.read, SCOPES.write],
    async run({ text, tag }, { caller, kv }) {
      const key = `note:${caller.userId}`;
      const saved: StoredNote = { text, ...(tag && { tag }) };
      const notes = [...(await readNotes(kv, key)).slice(-(MAX_NOTES - 1)), saved];
      await kv.put(key, JSON.stringify(notes), { expirationTtl: NOTES_TTL_SECONDS });
      return result({ count: notes.length, saved, notes: notes.map((note) => note.text) });
    },
  }),
  // #endregion save-note-tool
];

export const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));
