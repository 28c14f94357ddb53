/**
 * The lab's benchmark: `npm run bench` (builds, then `node tests/bench/run.ts`).
 *
 * Starts the production build (astro preview: workerd with local KV and Durable Objects, on
 * loopback) and measures, with the real SDK 1.32 client:
 *   1. a full OAuth flow from nothing (401, discovery, registration, sign-in and consent, token,
 *      initialize), the median of a few runs, phase by phase;
 *   2. `tools/call` (add) on /mcp at 8 and 32 concurrent clients, each with its own token:
 *      latency p50/p90/p99 and throughput;
 *   3. the flow player in Chromium (player.ts): bundle sizes, first paint vs. diagram drawn,
 *      and how fast a message lights once its exchange is captured.
 * Figures describe this machine and the local runtime, not Cloudflare's edge. Nothing here asserts
 * speed; the tests do not depend on it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { LabOAuthClient, obtainAccessToken } from '../support/lab-oauth-client.ts';
import { startPreview } from '../support/preview-server.ts';
import { benchPlayer } from './player.ts';
import { benchStarters } from './starters.ts';

const OAUTH_RUNS = 5;
// 1 client gives the unloaded latency; 8 and 32 show how it degrades under concurrency.
const CONCURRENCY_LEVELS = [1, 8, 32];
const LOAD_WARMUP_MS = 500;
const LOAD_DURATION_MS = 5_000;
/** Per client per level, so a very fast machine still stops early. */
const MAX_CALLS_PER_CLIENT = 5_000;

const now = () => performance.now();
const median = (values: number[]) => percentile(values, 50);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1; // nearest-rank
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(1);

/** One flow, timed at each hand-over between the SDK, the user and the server. */
async function timeOAuthFlow(origin: string, run: number) {
  const endpoint = new URL('/mcp', origin);
  const oauth = new LabOAuthClient(origin, { userName: `bench-${run}` }, 'bench');
  const started = now();
  const firstTry = new StreamableHTTPClientTransport(endpoint, { authProvider: oauth });
  const refused = await new Client({ name: 'bench', version: '1.0.0' }).connect(firstTry).catch((error: unknown) => error);
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected a 401 first, got ${String(refused)}`);
  const discovered = now(); // 401, RFC 9728 + RFC 8414 discovery, registration, PKCE
  const callback = await oauth.authorize();
  const authorized = now(); // sign-in page, consent page, redirect with code
  await firstTry.finishAuth(LabOAuthClient.codeFrom(callback));
  const tokened = now(); // code for tokens
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: oauth }));
  const initialized = now();
  await client.close();
  return {
    discovery: discovered - started,
    authorize: authorized - discovered,
    token: tokened - authorized,
    initialize: initialized - tokened,
    total: initialized - started,
  };
}

async function connectedClients(origin: string, count: number) {
  const endpoint = new URL('/mcp', origin);
  const clients: Client[] = [];
  for (let batch = 0; batch < count; batch += 8) {
    const size = Math.min(8, count - batch);
    const connected = await Promise.all(
      Array.from({ length: size }, async (_, index) => {
        const { client: oauth } = await obtainAccessToken(endpoint.href, { user: { userName: `load-${batch + index}` }, clientName: 'bench load' });
        const client = new Client({ name: 'bench-load', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: oauth }));
        return client;
      }),
    );
    clients.push(...connected);
  }
  return clients;
}

async function load(clients: Client[]) {
  const latencies: number[] = [];
  let errors = 0;
  let lastDone = 0;
  const warmupEnds = now() + LOAD_WARMUP_MS;
  const ends = warmupEnds + LOAD_DURATION_MS;
  await Promise.all(
    clients.map(async (client, index) => {
      for (let call = 0; call < MAX_CALLS_PER_CLIENT && now() < ends; call++) {
        const sent = now();
        try {
          const result = await client.callTool({ name: 'add', arguments: { a: index, b: call } });
          if ((result.structuredContent as { sum?: number } | undefined)?.sum !== index + call) errors++;
        } catch {
          errors++;
        }
        const done = now();
        if (sent >= warmupEnds) latencies.push(done - sent);
        lastDone = Math.max(lastDone, done);
      }
    }),
  );
  const measuredMs = lastDone - warmupEnds; // calls in flight at the deadline finish and count
  return { latencies, errors, throughput: latencies.length / (measuredMs / 1000) };
}

async function main() {
  const benchStarted = now();
  const server = await startPreview();
  const stopOnSignal = () => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    console.log(`MCP Auth Lab benchmark: production build on ${server.origin} (astro preview, workerd, local KV; loopback)\n`);

    const flows: Awaited<ReturnType<typeof timeOAuthFlow>>[] = [];
    await timeOAuthFlow(server.origin, 0); // warm-up: first requests compile and open storage
    for (let run = 1; run <= OAUTH_RUNS; run++) flows.push(await timeOAuthFlow(server.origin, run));
    const phases = ['discovery', 'authorize', 'token', 'initialize', 'total'] as const;
    const labels = {
      discovery: '401 + discovery + registration',
      authorize: 'sign-in + consent (headless user)',
      token: 'token request',
      initialize: 'initialize (reconnect)',
      total: 'full flow',
    };
    console.log(`OAuth flow with the SDK 1.32 client, ${OAUTH_RUNS} runs after a warm-up (ms)`);
    console.log(
      table(
        ['phase', 'median', 'min', 'max'],
        phases.map((phase) => {
          const values = flows.map((flow) => flow[phase]);
          return [labels[phase], ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values))];
        }),
      ),
    );

    const rows: (string | number)[][] = [];
    for (const concurrency of CONCURRENCY_LEVELS) {
      const clients = await connectedClients(server.origin, concurrency);
      try {
        const { latencies, errors, throughput } = await load(clients);
        rows.push([
          concurrency,
          latencies.length,
          errors,
          ms(percentile(latencies, 50)),
          ms(percentile(latencies, 90)),
          ms(percentile(latencies, 99)),
          throughput.toFixed(0),
        ]);
      } finally {
        await Promise.all(clients.map((client) => client.close()));
      }
    }
    console.log(`\ntools/call "add" on /mcp, ${LOAD_DURATION_MS / 1000} s per level after ${LOAD_WARMUP_MS} ms warm-up, one token per client`);
    console.log(table(['clients', 'calls', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'calls/s'], rows));
    await benchPlayer(server.origin, table);
    benchStarters(table);
    console.log(`\nDone in ${((now() - benchStarted) / 1000).toFixed(1)} s.`);
  } finally {
    process.off('SIGINT', stopOnSignal);
    await server.stop();
  }
}

await main();
