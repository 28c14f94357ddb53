import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The JavaScript heap of the Worker's isolate (which also runs its Durable Objects), after a
 * garbage collection, read from workerd's inspector: resident memory alone cannot tell a leak from
 * an allocator that keeps freed pages, and this can. Miniflare starts workerd with an inspector on
 * a random loopback port; the port is found among the workerd process's listening sockets (/proc),
 * and the isolate among the inspector's targets (`core:user:<worker name>`).
 */
export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

/** Loopback ports this process listens on, from its socket inodes and the kernel's TCP tables. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode) inodes.add(inode);
      } catch {}
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the tenth field.
      if (fields.length > 9 && fields[3] === '0A' && inodes.has(fields[9])) ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** An isolate of workerd, as its inspector lists it: `core:user:<worker name>` is the Worker's. */
export interface InspectorTarget {
  id: string;
  url: string;
}

/**
 * Every isolate of the workerd processes, from whichever of their ports is the inspector: the
 * Worker's, and the local runtime's own (Miniflare's entry router, the static-asset services, the
 * local KV and rate-limit simulators, the observability collector), which exist only locally.
 */
export async function findInspectorTargets(workerdPids: number[]): Promise<InspectorTarget[]> {
  for (const pid of workerdPids) {
    for (const port of listeningPorts(pid)) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) });
        const targets = (await response.json()) as { id?: string; webSocketDebuggerUrl?: string }[];
        if (!Array.isArray(targets)) continue;
        return targets.flatMap((target) => (target.id && target.webSocketDebuggerUrl ? [{ id: target.id, url: target.webSocketDebuggerUrl }] : []));
      } catch {}
    }
  }
  return [];
}

export const workerTarget = (targets: InspectorTarget[], workerName: string) => targets.find((target) => target.id === `core:user:${workerName}`) ?? null;

/**
 * Collects garbage in the isolate and reads its heap. workerd runs the collection when the isolate
 * next wakes, so `wake` makes a request to the Worker meanwhile. The first inspector session
 * workerd accepts may never answer: a session that stays silent is closed and another one opened.
 */
export async function heapAfterGc(inspectorUrl: string, wake: () => Promise<unknown>): Promise<HeapUsage | null> {
  for (let session = 0; session < 3; session++) {
    const outcome = await inOneSession(inspectorUrl, wake);
    if (outcome !== 'silent') return outcome;
  }
  return null;
}

async function inOneSession(inspectorUrl: string, wake: () => Promise<unknown>): Promise<HeapUsage | null | 'silent'> {
  const socket = new WebSocket(inspectorUrl);
  try {
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    let nextId = 0;
    const pending = new Map<number, (result: Record<string, unknown> | null) => void>();
    socket.addEventListener('message', (message) => {
      const answer = JSON.parse(String(message.data)) as { id?: number; result?: Record<string, unknown> };
      if (answer.id !== undefined) pending.get(answer.id)?.(answer.result ?? null);
    });
    const call = (method: string, timeoutMs = 10_000) =>
      new Promise<Record<string, unknown> | null>((resolve) => {
        const id = ++nextId;
        const timer = setTimeout(() => resolve(null), timeoutMs);
        pending.set(id, (result) => (clearTimeout(timer), resolve(result)));
        socket.send(JSON.stringify({ id, method, params: {} }));
      });
    if ((await call('Runtime.getHeapUsage', 2000)) === null) return 'silent';
    let collected = false;
    const collection = call('HeapProfiler.collectGarbage').then((result) => (collected = result !== null));
    for (let attempt = 0; attempt < 10 && !collected; attempt++) {
      await wake();
      await Promise.race([collection, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
    if (!collected) return null;
    const usage = await call('Runtime.getHeapUsage');
    return usage ? { usedBytes: Number(usage.usedSize), totalBytes: Number(usage.totalSize) } : null;
  } catch {
    return null;
  } finally {
    socket.close();
  }
}
