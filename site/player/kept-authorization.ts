import type { AuthOptionId } from '../flow/auth-options';
import type { ProtocolRevision } from '../flow/mcp';
import type { KeptAuthorization, Transport } from '../flow/types';

/**
 * Authorizations a player keeps for the other pages of this tab: after a run succeeds, its tokens
 * and what the client learnt (site/flow/engine.ts `kept()`) go into sessionStorage, one per auth
 * option, transport and protocol revision, so the playground page or the next lesson can go on with them instead of
 * signing in again. sessionStorage, not localStorage: it belongs to this tab and ends with it, like
 * the page's own memory would; the tokens are the ones the page showed anyway. Pure over a Storage.
 */
export interface KeptEntry {
  option: AuthOptionId;
  transport: Transport;
  /** The page whose run obtained the newest token, to say where it came from. */
  page: { title: string; path: string };
  kept: KeptAuthorization;
}

const KEY = 'mcp-auth-lab:kept-authorizations';
/** Not offered when the access token has less than this left: the first call would already fail. */
const MARGIN_MS = 60_000;

/**
 * This tab's sessionStorage, or an empty stand-in where the browser refuses storage (blocked
 * cookies can make even reading `sessionStorage` throw): the page works, it only cannot share.
 */
export function tabStorage(): Storage {
  try {
    return window.sessionStorage;
  } catch {
    const none: Storage = { length: 0, clear() {}, getItem: () => null, key: () => null, removeItem() {}, setItem() {} };
    return none;
  }
}

const entryKey = (option: string, transport: string, revision: string = '2025-11-25') => `${option} ${transport} ${revision}`;

function readAll(storage: Storage): Record<string, KeptEntry> {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, KeptEntry>) : {};
  } catch {
    return {}; // unreadable: as if nothing were kept
  }
}

function writeAll(storage: Storage, entries: Record<string, KeptEntry>): void {
  try {
    if (Object.keys(entries).length === 0) storage.removeItem(KEY);
    else storage.setItem(KEY, JSON.stringify(entries));
  } catch {
    // Storage full or refused (private mode): the page still works, it only cannot share.
  }
}

/** Just enough shape to resume with; anything else (an older version, a hand edit) is dropped. */
function isUsable(entry: unknown, now: number): entry is KeptEntry {
  const candidate = entry as Partial<KeptEntry> | null;
  const kept = candidate?.kept;
  if (!candidate || typeof candidate.option !== 'string' || (candidate.transport !== 'streamable-http' && candidate.transport !== 'sse')) return false;
  if (!kept || typeof kept.serverUrl !== 'string' || typeof kept.clientId !== 'string' || typeof kept.issuer !== 'string') return false;
  if (typeof kept.tokens?.access_token !== 'string' || typeof kept.authorizationServer?.token_endpoint !== 'string') return false;
  if (typeof candidate.page?.title !== 'string') return false;
  return kept.expiresAt === undefined || kept.expiresAt - MARGIN_MS > now;
}

/** The authorizations this tab still holds, newest first; expired ones are forgotten. */
export function keptAuthorizations(storage: Storage, now: number): KeptEntry[] {
  const all = readAll(storage);
  const usable = Object.fromEntries(Object.entries(all).filter(([, entry]) => isUsable(entry, now)));
  if (Object.keys(usable).length !== Object.keys(all).length) writeAll(storage, usable);
  return Object.values(usable).sort((a, b) => b.kept.obtainedAt - a.kept.obtainedAt);
}

export function keepAuthorization(storage: Storage, entry: KeptEntry): void {
  writeAll(storage, { ...readAll(storage), [entryKey(entry.option, entry.transport, entry.kept.revision)]: entry });
}

export function forgetAuthorization(storage: Storage, option: AuthOptionId, transport: Transport, revision?: ProtocolRevision): void {
  const all = readAll(storage);
  delete all[entryKey(option, transport, revision)];
  writeAll(storage, all);
}
