import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * What the local runtime keeps, read straight from its files (read-only, while it runs), so the
 * load's figures come from the storage itself rather than from what the code is believed to do:
 *   - Workers KV: miniflare keeps a namespace in SQLite (`_mf_entries`: key, blob, expiration in ms)
 *     with the values as blob files beside it;
 *   - Durable Objects: one SQLite file per object, and each class's alarms in its metadata.sqlite;
 *   - the local trace store of Workers observability (wrangler.jsonc turns observability on): one
 *     span per Worker invocation and per KV, Durable Object and storage operation it made. This is
 *     how KV reads and writes and Durable Object requests are counted;
 *   - the preview's processes (astro preview in Node, workerd), their resident memory from /proc.
 */
export const STATE_DIR = '.wrangler/state/v3';

/** Read-only; a file the runtime is writing at that moment is waited for (a Durable Object not in WAL mode locks it while it writes). */
const open = (file: string) => new DatabaseSync(file, { readOnly: true, timeout: 5000 });
const sqliteFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite') : []);
const hasTable = (db: DatabaseSync, table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;

export interface KvEntry {
  /** Epoch ms, or null: kept until deleted. */
  expiration: number | null;
  bytes: number;
}

/** Every key of every local KV namespace, with its expiration and the size of its value. */
export function kvEntries(root: string): Map<string, KvEntry> {
  const dir = join(root, STATE_DIR, 'kv/miniflare-KVNamespaceObject');
  const blobDirs = existsSync(join(root, STATE_DIR, 'kv')) ? readdirSync(join(root, STATE_DIR, 'kv')).map((name) => join(root, STATE_DIR, 'kv', name, 'blobs')).filter(existsSync) : [];
  const blobSize = (id: string) => {
    for (const blobs of blobDirs) if (existsSync(join(blobs, id))) return statSync(join(blobs, id)).size;
    return 0;
  };
  const entries = new Map<string, KvEntry>();
  for (const file of sqliteFiles(dir)) {
    const db = open(join(dir, file));
    try {
      if (!hasTable(db, '_mf_entries')) continue;
      for (const row of db.prepare('SELECT key, blob_id, expiration FROM _mf_entries').all() as { key: string; blob_id: string; expiration: number | null }[]) {
        entries.set(row.key, { expiration: row.expiration, bytes: row.key.length + blobSize(row.blob_id) });
      }
    } finally {
      db.close();
    }
  }
  return entries;
}

/** A KV key's kind: its prefix up to the first `:` (two levels for the simulated providers' keys). */
export function kvPrefix(key: string): string {
  const parts = key.split(':');
  return parts[0].startsWith('simulated-') || parts[0] === 'lab' ? parts.slice(0, 2).join(':') : parts[0];
}

export interface DurableObjectEntry {
  className: string;
  id: string;
  /** Rows it stores (its key-value pairs and SQL rows), not counting the runtime's own bookkeeping; null when its file stayed locked. */
  rows: number | null;
  bytes: number;
  /** Epoch ms of its alarm, or null when none is set. */
  alarm: number | null;
}

const BOOKKEEPING_TABLES = new Set(['__miniflare_do_name', '_cf_METADATA']);

/** Every local Durable Object of every class: what it stores and whether an alarm will come for it. */
export function durableObjects(root: string): DurableObjectEntry[] {
  const base = join(root, STATE_DIR, 'do');
  if (!existsSync(base)) return [];
  const objects: DurableObjectEntry[] = [];
  for (const classDir of readdirSync(base)) {
    const dir = join(base, classDir);
    const alarms = new Map<string, number>();
    if (existsSync(join(dir, 'metadata.sqlite'))) {
      const metadata = open(join(dir, 'metadata.sqlite'));
      try {
        if (hasTable(metadata, '_cf_ALARM')) {
          // Stored in nanoseconds, beyond a JavaScript number: converted to ms by SQLite.
          for (const row of metadata.prepare('SELECT actor_id, scheduled_time / 1000000 AS ms FROM _cf_ALARM WHERE scheduled_time IS NOT NULL').all() as { actor_id: string; ms: number }[]) {
            alarms.set(row.actor_id, Number(row.ms));
          }
        }
      } finally {
        metadata.close();
      }
    }
    for (const file of sqliteFiles(dir)) {
      const id = file.slice(0, -'.sqlite'.length);
      let rows: number | null = 0;
      try {
        const db = open(join(dir, file));
        try {
          const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((row) => row.name);
          for (const table of tables) if (!BOOKKEEPING_TABLES.has(table)) rows += Number((db.prepare(`SELECT count(*) AS n FROM "${table.replaceAll('"', '""')}"`).get() as { n: number }).n);
        } finally {
          db.close();
        }
      } catch (error) {
        if ((error as { errcode?: number }).errcode !== 5) throw error; // SQLITE_BUSY: still locked after the timeout
        rows = null;
      }
      objects.push({ className: classDir.replace(/^.*?-(?=[A-Z])/, ''), id, rows, bytes: statSync(join(dir, file)).size, alarm: alarms.get(id) ?? null });
    }
  }
  return objects;
}

export interface SpanCounts {
  /**
   * Spans by name: `GET`, `POST` (Worker invocations, by HTTP method), `kv_get`, `kv_put`,
   * `kv_delete`, `kv_list`, `durable_object_subrequest` (a request from the Worker to a Durable
   * Object: an RPC call or a fetch), `alarm`, `durable_object_storage_kv_put`, `fetch` (a subrequest), …
   */
  byName: Map<string, number>;
  /** The summed wall time of the spans of each name, ms. */
  wallMs: Map<string, number>;
  /**
   * Invocations of the Worker from outside: HTTP spans with no parent. (A call through the SELF
   * binding, or into a Durable Object, is an HTTP span too, but under the subrequest that made it.)
   */
  incoming: number;
  /** Their summed wall time, ms: workerd reports no CPU time locally, and CPU time is at most this. */
  incomingWallMs: number;
  /** Those invocations by `METHOD /path`, to hold against what the learners sent. */
  incomingByRoute: Map<string, number>;
}

/** The trace store's file, if this runtime keeps one. */
export function spanStore(root: string): string | null {
  const dir = join(root, STATE_DIR, 'observability/miniflare-wobs-trace-store');
  const [file] = sqliteFiles(dir);
  return file ? join(dir, file) : null;
}

/** What the trace store recorded for spans that started in [from, to) (epoch ms). */
export function spanCounts(store: string, from: number, to: number): SpanCounts {
  const db = open(store);
  try {
    const byName = new Map<string, number>();
    const wallMs = new Map<string, number>();
    const rows = db.prepare('SELECT name, count(*) AS n, coalesce(sum(duration_ms), 0) AS ms FROM spans WHERE start_ms >= ? AND start_ms < ? GROUP BY name').all(from, to) as { name: string; n: number; ms: number }[];
    for (const row of rows) {
      byName.set(row.name, Number(row.n));
      wallMs.set(row.name, Number(row.ms));
    }
    const incoming = db.prepare("SELECT count(*) AS n, coalesce(sum(duration_ms), 0) AS ms FROM spans WHERE start_ms >= ? AND start_ms < ? AND kind = 'http' AND parent_id IS NULL").get(from, to) as { n: number; ms: number };
    const incomingByRoute = new Map<string, number>();
    const routes = db
      .prepare(`SELECT name, json_extract(json(attributes), '$."url.full"') AS url, count(*) AS n FROM spans WHERE start_ms >= ? AND start_ms < ? AND kind = 'http' AND parent_id IS NULL GROUP BY 1, 2`)
      .all(from, to) as { name: string; url: string | null; n: number }[];
    for (const row of routes) {
      const route = `${row.name} ${row.url ? new URL(row.url).pathname : '?'}`;
      incomingByRoute.set(route, (incomingByRoute.get(route) ?? 0) + Number(row.n));
    }
    return { byName, wallMs, incoming: Number(incoming.n), incomingWallMs: Number(incoming.ms), incomingByRoute };
  } finally {
    db.close();
  }
}

/** The newest span start in the store, to know it has caught up (it writes in batches). */
export function newestSpan(store: string): number {
  const db = open(store);
  try {
    return Number((db.prepare('SELECT coalesce(max(start_ms), 0) AS t FROM spans').get() as { t: number }).t);
  } finally {
    db.close();
  }
}

export interface ProcessMemory {
  pid: number;
  name: string;
  rssKiB: number;
  /** Of which anonymous memory (heaps, caches), as opposed to mapped files and shared memory. */
  anonKiB: number;
  /** CPU time used so far, user and system, ms. */
  cpuMs: number;
}

/** /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const TICKS_PER_SECOND = 100;

/** The `astro preview` serving this port, and every process under it (workerd), with their resident memory. */
export function previewProcesses(port: number): ProcessMemory[] {
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  const read = (pid: number, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  const parentOf = new Map<number, number>();
  const cpuMsOf = new Map<number, number>();
  for (const pid of pids) {
    const stat = read(pid, 'stat');
    // pid (comm) state ppid … utime stime …: comm may hold spaces and parentheses, so fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    if (ppid) parentOf.set(pid, ppid);
    cpuMsOf.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
  }
  const root = pids.find((pid) => {
    const argv = read(pid, 'cmdline').split('\0');
    return argv.some((arg) => arg.endsWith('astro.mjs')) && argv.includes('preview') && argv[argv.indexOf('--port') + 1] === String(port);
  });
  if (root === undefined) return [];
  const isUnder = (pid: number): boolean => pid === root || (parentOf.has(pid) && parentOf.get(pid) !== pid && isUnder(parentOf.get(pid)!));
  return pids.filter(isUnder).map((pid) => {
    const status = read(pid, 'status');
    const kib = (field: string) => Number(status.match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'))?.[1] ?? 0);
    return { pid, name: status.match(/^Name:\s*(.+)$/m)?.[1] ?? '?', rssKiB: kib('VmRSS'), anonKiB: kib('RssAnon'), cpuMs: cpuMsOf.get(pid) ?? 0 };
  }).filter((process) => process.rssKiB > 0);
}
