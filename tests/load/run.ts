/**
 * The lab under load: `npm run load` (builds, then `node tests/load/run.ts [options]`; `--help`).
 *
 * Starts the production build (astro preview: workerd with local KV and Durable Objects, on a free
 * loopback port) and runs waves of simulated learners, all at once (started within one second),
 * each through what the page does: a trace with its event stream, registration, sign-in and
 * consent, token, MCP calls, step-up, refresh, the tool playground (learner.ts). Each learner sends
 * its own CF-Connecting-IP. Prints, per wave: throughput, latency by kind of request, errors, and
 * per learner the requests, KV operations and Durable Object requests the Worker made (counted by
 * the local observability trace store); then what stayed in storage, whether each record expires,
 * and the preview's memory after each wave. Exit code 1 on any error or any record without an end.
 *
 * Figures describe local workerd on this machine, not Cloudflare's network. Nothing leaves
 * loopback: the script refuses any other origin (options.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ROOT, startPreview, type RunningServer } from '../support/preview-server.ts';
import { ms, percentile, perLearner, REQUEST_KINDS, table } from './figures.ts';
import { asLearner, installLearnerNetwork, latencyOf, type RequestRecord } from './learner-network.ts';
import { durableObjects, kvEntries, kvPrefix, newestSpan, previewProcesses, spanCounts, spanStore, type DurableObjectEntry, type KvEntry, type ProcessMemory, type SpanCounts } from './local-state.ts';
import { findInspectorTargets, heapAfterGc, workerTarget, type HeapUsage, type InspectorTarget } from './worker-heap.ts';
import { learnerAddress, LoadArgumentError, optionFor, optionsOf, parseLoadArguments, USAGE, type LoadOptions } from './options.ts';

/**
 * The site's browser modules import each other without extensions (Vite resolves them); Node's
 * type stripping runs them as they are once a relative import without one finds its `.ts` file.
 */
function resolveExtensionlessImports(): void {
  registerHooks({
    resolve(specifier, context, next) {
      if (/^\.\.?\//.test(specifier) && !/\.[cm]?[jt]s$/.test(specifier) && context.parentURL?.endsWith('.ts')) {
        const candidate = new URL(`${specifier}.ts`, context.parentURL);
        if (existsSync(fileURLToPath(candidate))) return next(candidate.href, context);
      }
      return next(specifier, context);
    },
  });
}

let options: LoadOptions;
try {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  options = parseLoadArguments(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof LoadArgumentError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
resolveExtensionlessImports();
const { runLearner } = await import('./learner.ts');
type LearnerResult = Awaited<ReturnType<typeof runLearner>>;

const RUN_ID = Math.random().toString(36).slice(2, 6);
/** How long the trace store may take to write the last spans of a wave. */
const SPAN_STORE_SETTLE_MS = 15_000;

const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
const mib = (kiB: number) => `${(kiB / 1024).toFixed(0)} MiB`;
const count = <T>(items: T[], key: (item: T) => string) => items.reduce((map, item) => map.set(key(item), (map.get(key(item)) ?? 0) + 1), new Map<string, number>());

interface Snapshot {
  kv: Map<string, KvEntry>;
  objects: DurableObjectEntry[];
  memory: Memory;
}

interface Memory {
  /** Before any collection: what the local runtime holds, its isolates' garbage included. */
  before: ProcessMemory[];
  /** After a garbage collection in every isolate of workerd (the Worker's and the local runtime's own). */
  processes: ProcessMemory[];
  /** The Worker isolate's JavaScript heap after a garbage collection (null when the inspector could not be reached). */
  heap: HeapUsage | null;
}

/** The Worker's name (wrangler.jsonc), which names its isolate in workerd's inspector. */
const WORKER_NAME = /"name"\s*:\s*"([^"]+)"/.exec(readFileSync(new URL('../../wrangler.jsonc', import.meta.url), 'utf8'))?.[1] ?? 'mcp-auth-lab';

interface Wave {
  number: number;
  results: LearnerResult[];
  records: RequestRecord[];
  started: number;
  ended: number;
  spans: SpanCounts | null;
  /** CPU time workerd used for the wave (the Worker, its Durable Objects, the local KV and Durable Object simulators), ms. */
  workerdCpuMs: number | null;
  after: Snapshot | null;
}

async function main(): Promise<number> {
  const server: RunningServer | null = options.origin ? null : await startPreview();
  const origin = options.origin ?? server!.origin;
  const port = Number(new URL(origin).port);
  const measured = server !== null; // storage and memory are this preview's; another server's are not ours to read
  const store = measured ? spanStore(ROOT) : null;
  let targets: InspectorTarget[] = [];
  // workerd collects an isolate's garbage when it next wakes: requests that pass through every
  // isolate (the entry router, the asset services, the Worker, KV) wake them. Reads only: a wake
  // must not store anything (GET /lab/client would create the lab's pre-registered client).
  const wake = () =>
    Promise.allSettled(['/', '/favicon.svg', '/.well-known/oauth-authorization-server', '/lab/providers'].map((path) => fetch(origin + path).then((response) => response.body?.cancel())));
  const memory = async (): Promise<Memory> => {
    const before = previewProcesses(port);
    if (targets.length === 0) targets = await findInspectorTargets(before.filter((process) => process.name === 'workerd').map((process) => process.pid));
    const worker = workerTarget(targets, WORKER_NAME);
    const heap = worker ? await heapAfterGc(worker.url, wake) : null;
    // Then every other isolate: what stays resident after that is what the run really kept.
    await Promise.all(targets.filter((target) => target !== worker).map((target) => heapAfterGc(target.url, wake)));
    return { before, processes: previewProcesses(port), heap };
  };
  const workerdCpuMs = () => (measured ? previewProcesses(port).filter((process) => process.name === 'workerd').reduce((sum, process) => sum + process.cpuMs, 0) : null);
  const snapshot = async (): Promise<Snapshot | null> => (measured ? { kv: kvEntries(ROOT), objects: durableObjects(ROOT), memory: await memory() } : null);

  const network = installLearnerNetwork();
  const stopAll = new AbortController();
  const bound = setTimeout(() => stopAll.abort(), options.maxSeconds * 1000);
  const onSignal = () => stopAll.abort();
  process.once('SIGINT', onSignal);
  let nextIndex = 0;
  const learner = (option = optionFor(options.option, nextIndex)) => {
    const index = nextIndex++;
    const plan = { index, option, transport: options.transport, revision: options.revision, userName: `load-${RUN_ID}-${index}`, address: learnerAddress(index) };
    return asLearner({ index, address: plan.address }, () => runLearner(origin, plan, stopAll.signal));
  };

  try {
    const mix = optionsOf(options.option);
    console.log(`MCP Auth Lab under load: ${options.waves} wave${options.waves > 1 ? 's' : ''} of ${options.learners} learners (${options.option}, ${options.transport}, MCP ${options.revision}) against ${origin}`);
    console.log(`${measured ? 'the production build in astro preview (workerd, local KV and Durable Objects), loopback' : 'a server already running on loopback: requests only (its storage and memory are not read)'}; at most ${options.maxSeconds} s\n`);

    // Warm-up, not counted: one learner per option compiles the code paths and opens the storage.
    const warmUp = await Promise.all(mix.map((option) => learner(option)));
    const warmUpErrors = warmUp.flatMap((result) => result.errors.map((error) => `${result.plan.option}: ${error.kind}: ${error.message}`));
    console.log(`Warm-up: ${warmUp.length} learner${warmUp.length > 1 ? 's' : ''} (one per option), ${warmUpErrors.length ? `errors:\n  ${warmUpErrors.join('\n  ')}` : 'no errors'}.`);
    if (store) await settleSpans(store);
    const baseline = await snapshot();
    if (baseline) console.log(`Preview memory after warm-up: ${memoryLine(baseline.memory)}\n`);

    const waves: Wave[] = [];
    for (let number = 1; number <= options.waves && !stopAll.signal.aborted; number++) {
      const recordsFrom = network.records.length;
      const cpuBefore = workerdCpuMs();
      const started = Date.now();
      const spread = 1000 / options.learners; // every learner started within the first second
      const results = await Promise.all(
        Array.from({ length: options.learners }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * spread));
          return learner();
        }),
      );
      const ended = Date.now();
      const wave: Wave = { number, results, records: network.records.slice(recordsFrom), started, ended, spans: null, workerdCpuMs: null, after: null };
      if (store) wave.spans = spanCounts(store, started, await settleSpans(store));
      const cpuAfter = workerdCpuMs();
      if (cpuBefore !== null && cpuAfter !== null) wave.workerdCpuMs = cpuAfter - cpuBefore;
      wave.after = await snapshot();
      waves.push(wave);
      printWave(wave, baseline);
    }
    clearTimeout(bound);
    if (stopAll.signal.aborted) console.log(`\nStopped at the time bound (${options.maxSeconds} s): learners still running were cancelled and count as errors.`);

    const idle = measured && !stopAll.signal.aborted ? await watchIdle(options.idleSeconds, memory) : [];
    const unbounded = baseline && waves.length ? printGrowth(baseline, waves, idle) : 0;
    const errors = warmUpErrors.length + waves.reduce((sum, wave) => sum + errorsOf(wave).length, 0);
    console.log(`\n${errors === 0 && unbounded === 0 ? 'OK' : 'FAILED'}: ${errors} error${errors === 1 ? '' : 's'}${measured ? `, ${unbounded} per-learner record${unbounded === 1 ? '' : 's'} without an end` : ''}.`);
    return errors === 0 && unbounded === 0 && !stopAll.signal.aborted ? 0 : 1;
  } finally {
    clearTimeout(bound);
    process.off('SIGINT', onSignal);
    stopAll.abort();
    await network.close();
    await server?.stop();
  }
}

/** The preview's memory every 10 s for `seconds` with no learners: what the runtime gives back once idle. */
async function watchIdle(seconds: number, memory: () => Promise<Memory>): Promise<{ after: number; memory: Memory }[]> {
  const samples: { after: number; memory: Memory }[] = [];
  for (let after = 10; after <= seconds; after += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    samples.push({ after, memory: await memory() });
  }
  return samples;
}

/** Waits until the trace store has written what the wave made (it writes in batches), and returns when it had. */
async function settleSpans(store: string): Promise<number> {
  const deadline = Date.now() + SPAN_STORE_SETTLE_MS;
  let newest = newestSpan(store);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = newestSpan(store);
    if (now === newest || Date.now() > deadline) return Date.now();
    newest = now;
  }
}

/** Errors of a wave: each learner's, and any answer from the Worker that was a server error or none at all. */
function errorsOf(wave: Wave): { kind: string; message: string }[] {
  const learnerErrors = wave.results.flatMap((result) => result.errors.map((error) => ({ kind: error.kind, message: `learner ${result.plan.index} (${result.plan.option}): ${error.message}` })));
  const serverErrors = wave.records
    .filter((record) => (record.status !== null && record.status >= 500) || record.status === null)
    .map((record) => ({ kind: `HTTP ${record.status ?? 'no answer'} (${record.kind})`, message: `learner ${record.learner}: ${record.method} ${record.path}${record.error ? `: ${record.error}` : ''}` }));
  return [...learnerErrors, ...serverErrors];
}

// workerd runs the Worker; the rest is astro preview's Node process, which proxies to it.
const residentKiB = (processes: ProcessMemory[], runtime: boolean) => processes.filter((process) => (process.name === 'workerd') === runtime).reduce((total, process) => total + process.rssKiB, 0);

function memoryLine({ before, processes, heap }: Memory): string {
  if (processes.length === 0) return 'not found in /proc';
  const js = heap ? `${(heap.usedBytes / 2 ** 20).toFixed(1)} MiB` : 'not read';
  return `RSS workerd ${mib(residentKiB(before, true))}, after GC in every isolate ${mib(residentKiB(processes, true))}; astro preview (Node) ${mib(residentKiB(processes, false))}; Worker JS heap after GC ${js}`;
}

function printWave(wave: Wave, baseline: Snapshot | null) {
  const { results, records } = wave;
  const learners = results.length;
  const duration = wave.ended - wave.started;
  const clean = results.filter((result) => result.errors.length === 0).length;
  const mix = [...count(results, (result) => result.plan.option)].map(([option, n]) => `${option} ${n}`).join(', ');
  console.log(`── Wave ${wave.number}: ${learners} learners (${mix}) ──`);
  console.log(`${records.length} requests in ${seconds(duration)}: ${(records.length / (duration / 1000)).toFixed(1)} requests/s, ${(learners / (duration / 1000)).toFixed(2)} learners/s; ${clean}/${learners} learners finished without an error`);
  const learnerMs = results.map((result) => result.ms);
  console.log(`one learner's whole run: p50 ${seconds(percentile(learnerMs, 50))}, max ${seconds(Math.max(...learnerMs))}\n`);

  console.log('Latency by kind of request (ms, measured by the client until the response was complete; the trace WebSocket until it opened)');
  const answered = records.filter((record) => record.status !== null);
  const rows = REQUEST_KINDS.map((kind) => {
    const values = answered.filter((record) => record.kind === kind).map((record) => latencyOf(record)!);
    return [kind, values.length, perLearner(values.length, learners), ms(percentile(values, 50)), ms(percentile(values, 95)), ms(percentile(values, 99)), ms(values.length ? Math.max(...values) : Number.NaN)];
  }).filter((row) => row[1] !== 0);
  const all = answered.map((record) => latencyOf(record)!);
  rows.push(['all', all.length, perLearner(all.length, learners), ms(percentile(all, 50)), ms(percentile(all, 95)), ms(percentile(all, 99)), ms(all.length ? Math.max(...all) : Number.NaN)]);
  console.log(table(['kind', 'requests', 'per learner', 'p50', 'p95', 'p99', 'max'], rows));
  const statuses = count(records, (record) => (record.status === null ? 'no answer' : String(record.status)));
  console.log(`statuses: ${[...statuses].sort().map(([status, n]) => `${status} × ${n}`).join(', ')} (401 and 403 are the flow's own challenges)`);
  const unread = answered.filter((record) => record.completeMs === null);
  if (unread.length) console.log(`${unread.length} response bodies were not read to their end by the client (${[...count(unread, (record) => `${record.method} ${record.kind}`)].map(([what, n]) => `${what} × ${n}`).join(', ')}): their latency is until their headers`);
  console.log();

  const errors = errorsOf(wave);
  if (errors.length) {
    console.log(`Errors: ${errors.length}`);
    console.log(table(['kind', 'count'], [...count(errors, (error) => error.kind)]));
    for (const error of errors.slice(0, 8)) console.log(`  ${error.kind}: ${error.message.slice(0, 300)}`);
    console.log();
  } else console.log('Errors: none\n');

  const streamedFront = results.reduce((sum, result) => sum + result.streamed.front, 0);
  const streamedBack = results.reduce((sum, result) => sum + result.streamed.back, 0);
  const perLearnerRows: (string | number)[][] = [
    ['HTTP requests to the Worker (sent by the learner)', records.length, perLearner(records.length, learners)],
    ['trace: exchanges streamed back (navigations / the Worker’s own calls)', `${streamedFront} / ${streamedBack}`, `${perLearner(streamedFront, learners)} / ${perLearner(streamedBack, learners)}`],
  ];
  const notes: string[] = [];
  if (wave.spans) {
    const spans = wave.spans;
    const span = (name: string) => spans.byName.get(name) ?? 0;
    const wall = (name: string) => spans.wallMs.get(name) ?? 0;
    // Invocations the trace store has and the learners did not send are the Worker's calls to itself;
    // requests sent and not in the store are streams still open when the wave ended (legacy SSE's GET).
    const sent = count(records, (record) => `${record.method} ${record.path}`);
    const selfCalls = [...spans.incomingByRoute].reduce((sum, [route, n]) => sum + Math.max(0, n - (sent.get(route) ?? 0)), 0);
    const unrecorded = [...sent].filter(([route, n]) => n > (spans.incomingByRoute.get(route) ?? 0)).map(([route, n]) => `${route} × ${n - (spans.incomingByRoute.get(route) ?? 0)}`);
    if (unrecorded.length) notes.push(`sent but not (yet) in the trace store: ${unrecorded.slice(0, 4).join(', ')}${unrecorded.length > 4 ? ', …' : ''}`);
    const doRequests = span('durable_object_subrequest') + span('alarm');
    perLearnerRows.push(
      ['Worker invocations (trace store)', spans.incoming, perLearner(spans.incoming, learners)],
      // The Worker calls its simulated providers through the SELF binding: each call is an invocation of its own.
      ['  not sent by a learner: the Worker’s own calls through SELF', selfCalls, perLearner(selfCalls, learners)],
      ['  their wall time, ms', spans.incomingWallMs, perLearner(spans.incomingWallMs, learners)],
      ['KV reads', span('kv_get'), perLearner(span('kv_get'), learners)],
      ['KV writes', span('kv_put'), perLearner(span('kv_put'), learners)],
      ['KV deletes', span('kv_delete'), perLearner(span('kv_delete'), learners)],
      ['KV lists', span('kv_list'), perLearner(span('kv_list'), learners)],
      ['Durable Object requests (RPC calls and fetches from the Worker, alarms)', doRequests, perLearner(doRequests, learners)],
      ['  their wall time, ms', wall('durable_object_subrequest') + wall('alarm'), perLearner(wall('durable_object_subrequest') + wall('alarm'), learners)],
      ['  WebSocket events handled by a hibernated object', span('hibernatableWebSocket'), perLearner(span('hibernatableWebSocket'), learners)],
      ['Durable Object storage: key-value reads / writes', `${span('durable_object_storage_kv_get')} / ${span('durable_object_storage_kv_put')}`, `${perLearner(span('durable_object_storage_kv_get'), learners)} / ${perLearner(span('durable_object_storage_kv_put'), learners)}`],
      ['Durable Object storage: alarms set / deleteAll', `${span('durable_object_storage_setAlarm')} / ${span('durable_object_storage_deleteAll')}`, `${perLearner(span('durable_object_storage_setAlarm'), learners)} / ${perLearner(span('durable_object_storage_deleteAll'), learners)}`],
    );
  }
  if (wave.workerdCpuMs !== null) {
    // Workers bill CPU time, which workerd does not report per request locally: its whole process's is an upper bound.
    perLearnerRows.push(['CPU time of the whole workerd process, ms (/proc; bounds the Worker’s own)', wave.workerdCpuMs, perLearner(wave.workerdCpuMs, learners)]);
  }
  console.log(`Per learner (this wave's totals / ${learners})`);
  console.log(table(['what', 'total', 'per learner'], perLearnerRows));
  for (const note of notes) console.log(`(${note})`);
  if (!wave.spans) console.log(options.origin ? '(KV and Durable Object operations: not counted against another server)' : '(KV and Durable Object operations: no local trace store found)');
  if (wave.after && baseline) console.log(`\nPreview memory after wave ${wave.number}: ${memoryLine(wave.after.memory)}`);
  console.log();
}

/**
 * What stayed after each wave, against the warm-up's baseline: new KV keys by prefix, new Durable
 * Objects by class, each with whether it ends (a KV expiration, an alarm); and memory. Returns
 * how many new records have no end: those would grow without bound with learners.
 */
function printGrowth(baseline: Snapshot, waves: Wave[], idle: { after: number; memory: Memory }[]): number {
  const now = Date.now();
  const last = waves.at(-1)!.after!;
  const learners = waves.reduce((sum, wave) => sum + wave.results.length, 0);
  const newKeys = [...last.kv].filter(([key]) => !baseline.kv.has(key));
  const prefixes = [...new Set(newKeys.map(([key]) => kvPrefix(key)))].sort();
  const inAbout = (ms: number) => (ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(0)} d` : ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(0)} min`);
  console.log(`── What stayed: ${learners} learners over ${waves.length} wave${waves.length > 1 ? 's' : ''}, against the warm-up ──`);
  console.log(`KV (${newKeys.length} new keys; ${baseline.kv.size} before, ${last.kv.size} now; read from the local namespace's SQLite)`);
  const kvRows = prefixes.map((prefix) => {
    const entries = newKeys.filter(([key]) => kvPrefix(key) === prefix).map(([, entry]) => entry);
    const ttls = entries.filter((entry) => entry.expiration !== null).map((entry) => entry.expiration! - now);
    const never = entries.filter((entry) => entry.expiration === null).length;
    const perWave = waves.map((wave, i) => [...wave.after!.kv.keys()].filter((key) => kvPrefix(key) === prefix && !(i === 0 ? baseline : waves[i - 1].after!).kv.has(key)).length);
    return [prefix, entries.length, perLearner(entries.length, learners), perWave.join(' + '), entries.reduce((sum, entry) => sum + entry.bytes, 0), ttls.length ? `${inAbout(Math.min(...ttls))} … ${inAbout(Math.max(...ttls))}` : '-', never ? `${never} NEVER` : 'all'];
  });
  console.log(table(['prefix', 'new keys', 'per learner', 'per wave', 'bytes', 'expire in', 'with expiry'], kvRows));
  const gone = [...baseline.kv.keys()].filter((key) => !last.kv.has(key)).length;
  if (gone) console.log(`(${gone} keys of the baseline are gone: single-use records, deleted when used)`);

  const before = new Set(baseline.objects.map((object) => `${object.className}/${object.id}`));
  const newObjects = last.objects.filter((object) => !before.has(`${object.className}/${object.id}`));
  console.log(`\nDurable Objects (${newObjects.length} new; one SQLite file each, alarms from the class's metadata.sqlite)`);
  const classes = [...new Set(newObjects.map((object) => object.className))].sort();
  const doRows = classes.map((className) => {
    const objects = newObjects.filter((object) => object.className === className);
    // An object whose file stayed locked is counted as holding data: only an alarm says it ends.
    const holding = objects.filter((object) => object.rows !== 0);
    const withAlarm = holding.filter((object) => object.alarm !== null);
    const untilAlarm = withAlarm.map((object) => object.alarm! - now);
    const locked = objects.filter((object) => object.rows === null).length;
    return [className, objects.length, perLearner(objects.length, learners), `${holding.length}${locked ? ` (${locked} locked)` : ''}`, holding.reduce((sum, object) => sum + object.bytes, 0), untilAlarm.length ? `${inAbout(Math.min(...untilAlarm))} … ${inAbout(Math.max(...untilAlarm))}` : '-', holding.length === withAlarm.length ? 'all' : `${holding.length - withAlarm.length} NONE`];
  });
  console.log(table(['class', 'new objects', 'per learner', 'holding data', 'bytes', 'alarm in', 'with alarm'], doRows));

  console.log('\nPreview memory (resident set size from /proc/<pid>/status; the JS heap from workerd\'s inspector, after a forced GC)');
  const moments: [string, Memory][] = [
    ['after the warm-up', baseline.memory],
    ...waves.map((wave): [string, Memory] => [`after wave ${wave.number} (${wave.results.length} learners)`, wave.after!.memory]),
    ...idle.map(({ after, memory }): [string, Memory] => [`${after} s later, no learners`, memory]),
  ];
  for (const [label, memory] of moments) console.log(`  ${label.padEnd(32)} ${memoryLine(memory)}`);
  // Growth that stays after every isolate collected its garbage, from the first wave to the last:
  // what a leak would show, per learner (the local runtime's uncollected garbage is not in it).
  if (waves.length > 1) {
    const [first, last] = [waves[0], waves.at(-1)!];
    const grownKiB = residentKiB(last.after!.memory.processes, true) - residentKiB(first.after!.memory.processes, true);
    const learnersBetween = waves.slice(1).reduce((sum, wave) => sum + wave.results.length, 0);
    console.log(`  workerd after GC in every isolate, wave 1 to wave ${last.number}: ${grownKiB >= 0 ? '+' : ''}${mib(grownKiB)} over ${learnersBetween} learners (${(grownKiB / learnersBetween).toFixed(0)} KiB a learner)`);
  }

  const unboundedKeys = newKeys.filter(([, entry]) => entry.expiration === null);
  const unboundedObjects = newObjects.filter((object) => object.rows !== 0 && object.alarm === null);
  for (const [key] of unboundedKeys.slice(0, 5)) console.log(`  no expiry: KV ${key}`);
  for (const object of unboundedObjects.slice(0, 5)) console.log(`  no alarm: ${object.className} ${object.id} (${object.rows ?? 'locked: unknown'} rows)`);
  return unboundedKeys.length + unboundedObjects.length;
}

process.exitCode = await main();
