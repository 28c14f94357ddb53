import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { AUTH_OPTIONS, AUTH_OPTION_IDS, type AuthOptionEntry, type AuthOptionId } from '../../server/catalogue.ts';
import { judge, type ExpectedFailures } from '../interop/conformance/judge.ts';
import { runConformance } from '../interop/conformance/run-suite.ts';
import { CALLBACK_URL, LabOAuthClient } from '../support/lab-oauth-client.ts';
import { freePort, ROOT } from '../support/preview-server.ts';
import { BrowserUser } from './browser-user.ts';

/**
 * npm run test:starters [-- <option id>…] — the starters, proven as a learner would use them. For
 * each auth option: generate it (with its simulated provider, so it runs offline), `npm install`,
 * its own `npm test` and `npm run typecheck`, `wrangler deploy --dry-run`; then start its
 * `npm run dev` and drive it with the MCP SDK client (OAuth with the pages answered in a real
 * Chromium, every tool, the step-up to mcp:write) and the conformance suite's authorization
 * scenarios. Loopback only. Every command runs in its own process group and is stopped as a group
 * (on a timeout, a failure, Ctrl-C); the whole run is bounded by STARTERS_TIME_LIMIT_S (600 s).
 * KEEP_STARTERS=1 keeps the generated projects.
 */
const entries = AUTH_OPTIONS as Record<string, AuthOptionEntry>;
const args = process.argv.slice(2);
const unknown = args.filter((arg) => !AUTH_OPTION_IDS.includes(arg as AuthOptionId));
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(', ')}. Usage: npm run test:starters [-- ${AUTH_OPTION_IDS.join(' ')}]`);
  process.exit(2);
}
const options = args.length > 0 ? (args as AuthOptionId[]) : AUTH_OPTION_IDS;

const workspace = mkdtempSync(join(tmpdir(), 'starters-'));
// One npm cache for the four installs (CI passes the one `npm ci` just filled; npm run passes its own).
const npmCache = process.env.npm_config_cache ?? join(workspace, 'npm-cache');
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true', npm_config_cache: npmCache, NO_COLOR: '1' };

const started = Date.now();
const deadline = started + Number(process.env.STARTERS_TIME_LIMIT_S ?? 600) * 1000;
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[starters ${seconds(started)}] ${line}`);

/** A step's time limit, never past the run's. */
function within(timeoutMs: number): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new Error(`out of time: the run is limited to ${(deadline - started) / 1000} s (STARTERS_TIME_LIMIT_S)`);
  return Math.min(timeoutMs, left);
}

/** Process groups still running: stopped on exit, on Ctrl-C and on SIGTERM. */
const groups = new Set<number>();
function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {}
}
process.on('exit', () => groups.forEach((pid) => killGroup(pid, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping ${groups.size} process group(s)`);
    groups.forEach((pid) => killGroup(pid, 'SIGKILL'));
    if (!process.env.KEEP_STARTERS) rmSync(workspace, { recursive: true, force: true });
    process.exit(130);
  });
}

/** A command in its own process group (setsid), with its output kept for a failure message. */
function start(dir: string, command: string, commandArgs: string[]) {
  const child: ChildProcess = spawn(command, commandArgs, { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.add(child.pid!);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => ((output += String(error)), resolve(null)));
  });
  // The group outlives its leader when something in it forks (wrangler's workerd): stop it all.
  void exited.then(() => (killGroup(child.pid!, 'SIGKILL'), groups.delete(child.pid!)));
  /** SIGTERM to the whole group, SIGKILL if it is still there after a grace period. */
  const stop = async () => {
    if (!groups.has(child.pid!)) return;
    killGroup(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop, output: () => output };
}

/** Times of the steps of the starter being checked, for the summary. */
let timings: string[] = [];

async function step(label: string, dir: string, command: string, commandArgs: string[], timeoutMs: number) {
  const at = Date.now();
  const limit = within(timeoutMs);
  const running = start(dir, command, commandArgs);
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), void running.stop()), limit);
  const code = await running.exited;
  clearTimeout(timer);
  if (code !== 0) {
    const why = timedOut ? `did not finish within ${limit / 1000} s` : `exited with ${code}`;
    throw new Error(`${command} ${commandArgs.join(' ')} ${why} in ${dir}:\n${running.output().slice(-4000)}`);
  }
  timings.push(`${label} ${seconds(at)}`);
  log(`  ${command === process.execPath ? 'node' : command} ${commandArgs.join(' ')}: ${seconds(at)}`);
}

/** `npm run dev` on a free port, in its own process group; resolves once it answers. */
async function startDev(dir: string): Promise<{ origin: string; stop(): Promise<void>; output(): string }> {
  const port = await freePort();
  const dev = start(dir, 'npm', ['run', 'dev', '--', '--port', String(port), '--ip', '127.0.0.1']);
  const origin = `http://127.0.0.1:${port}`;
  const until = Date.now() + within(60_000);
  while (Date.now() < until) {
    if (dev.child.exitCode !== null) throw new Error(`npm run dev exited (${dev.child.exitCode}):\n${dev.output().slice(-3000)}`);
    const answered = await fetch(origin).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return { origin, stop: dev.stop, output: dev.output };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await dev.stop();
  throw new Error(`npm run dev did not answer on ${origin} in time:\n${dev.output().slice(-3000)}`);
}

/** The SDK's OAuth provider, with the pages answered in Chromium. */
class BrowserOAuthClient extends LabOAuthClient {
  private readonly browser: BrowserUser;
  constructor(issuer: string, browser: BrowserUser) {
    super(issuer, {}, 'Starter check (SDK 1.32)');
    this.browser = browser;
  }
  override async authorize(): Promise<URL> {
    const url = this.pendingAuthorization;
    if (!url) throw new Error('the SDK did not ask for authorization');
    this.pendingAuthorization = undefined;
    return this.receiveCallback(await this.browser.authorize(url, CALLBACK_URL));
  }
}

async function sdkClient(origin: string, entry: AuthOptionEntry, browser: BrowserUser) {
  const endpoint = new URL(entry.endpoints['streamable-http'] ?? '', origin);
  const metadata = await (await fetch(new URL(`/.well-known/oauth-protected-resource${endpoint.pathname}`, origin))).json() as { authorization_servers: string[] };
  const oauth = new BrowserOAuthClient(metadata.authorization_servers[0], browser);
  const firstTry = new StreamableHTTPClientTransport(endpoint, { authProvider: oauth });
  const refused = await new Client({ name: 'starter-check', version: '1.0.0' }).connect(firstTry).then(() => null, (error: unknown) => error);
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(refused)}`);
  await firstTry.finishAuth(LabOAuthClient.codeFrom(await oauth.authorize()));
  await firstTry.close();
  const transport = new StreamableHTTPClientTransport(endpoint, { authProvider: oauth });
  const client = new Client({ name: 'starter-check', version: '1.0.0' });
  await client.connect(transport);

  const { tools } = await client.listTools();
  const expected = ['add', 'whoami', 'countdown', 'save_note', ...(entry.ownTool ? [entry.ownTool.name] : [])];
  const missing = expected.filter((name) => !tools.some((tool) => tool.name === name));
  if (missing.length > 0) throw new Error(`tools/list lacks ${missing.join(', ')}`);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} answered an error: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, unknown>;
  };
  if ((await call('add', { a: 2, b: 40 })).sum !== 42) throw new Error('add did not add');
  if ((await call('whoami')).signed_in_with !== entry.id) throw new Error('whoami names another sign-in');
  await call('countdown', { seconds: 1 });
  if (entry.ownTool) await call(entry.ownTool.name);

  // Step-up: save_note needs mcp:write. The SDK re-authorizes by itself on the 403 (without a
  // stored refresh token: typescript-sdk#2255), and the user consents again in the browser.
  oauth.setTokens({ ...oauth.tokens()!, refresh_token: undefined });
  const stepUp = await client.callTool({ name: 'save_note', arguments: { text: 'from the starter check' } }).then(() => null, (error: unknown) => error);
  if (!(stepUp instanceof UnauthorizedError)) throw new Error(`expected save_note to ask for a step-up, got ${String(stepUp)}`);
  if (oauth.pendingAuthorization?.searchParams.get('scope') !== 'mcp:read mcp:write') throw new Error(`step-up asked for ${oauth.pendingAuthorization?.searchParams.get('scope')}`);
  await transport.finishAuth(LabOAuthClient.codeFrom(await oauth.authorize()));
  const saved = await call('save_note', { text: 'from the starter check' });
  if (!(saved.notes as string[]).includes('from the starter check')) throw new Error('save_note did not save');
  await client.close();
  return tools.length;
}

const AUTHORIZATION_SERVER_SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];

/** The conformance suite's authorization-server scenarios, against the issuer the endpoint names. */
async function conformance(origin: string, entry: AuthOptionEntry, browser: BrowserUser) {
  const resource = new URL(entry.endpoints['streamable-http'] ?? '', origin).href;
  const metadata = (await (await fetch(new URL(`/.well-known/oauth-protected-resource${new URL(resource).pathname}`, origin))).json()) as { authorization_servers: string[] };
  const issuer = metadata.authorization_servers[0];
  const issuerUrl = new URL(issuer);
  const asMetadata = (await (await fetch(`${issuerUrl.origin}/.well-known/oauth-authorization-server${issuerUrl.pathname === '/' ? '' : issuerUrl.pathname}`)).json()) as { registration_endpoint: string };
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/callback`;
  const registration = await fetch(asMetadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'MCP conformance suite', redirect_uris: [callback], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }),
  });
  if (registration.status !== 201) throw new Error(`registration for the conformance suite answered ${registration.status}`);
  const { client_id: clientId } = (await registration.json()) as { client_id: string };
  let printed = '';
  let visit: Promise<URL> | undefined;
  const suite = await runConformance('next', ['authorization', '--url', issuer.replace(/\/$/, ''), '--client-id', clientId, '--port', String(port), '--resource', resource], {
    resultPrefix: 'authorization-server-',
    timeoutMs: within(60_000),
    onStdout(chunk) {
      printed += chunk;
      const url = printed.match(/^https?:\/\/\S+\/authorize\?\S+$/m)?.[0];
      if (url && !visit) {
        visit = browser.authorize(url, callback, { answerCallback: false });
        visit.catch(() => {});
      }
    },
  });
  if (!visit) throw new Error(`the suite never asked for authorization:\n${suite.output.slice(-2000)}`);
  await visit;
  const expected: ExpectedFailures = JSON.parse(readFileSync(join(ROOT, 'tests/starters/conformance-expected.json'), 'utf8'))[entry.id] ?? {};
  const verdict = judge(suite.results, expected);
  // Both authorization-server scenarios must have run: a run that stopped early passes nothing.
  const missing = AUTHORIZATION_SERVER_SCENARIOS.filter((scenario) => !suite.results.some((result) => result.scenario === scenario));
  if (verdict.unexpectedFailures.length > 0 || verdict.staleExpectations.length > 0 || missing.length > 0) {
    throw new Error(
      `conformance: unexpected ${verdict.unexpectedFailures.join(', ') || '(none)'}; stale ${verdict.staleExpectations.join(', ') || '(none)'}; did not run ${missing.join(', ') || '(none)'}\n${suite.output.slice(-2000)}`,
    );
  }
  return verdict.passed;
}

async function checkStarter(option: AuthOptionId, browser: BrowserUser): Promise<void> {
  const entry = entries[option];
  const dir = join(workspace, option);
  const simulated = entry.simulatedProvider ? ['--simulated'] : [];
  await step('generate', ROOT, process.execPath, [join(ROOT, 'starter/cli.ts'), '--option', option, '--out', dir, ...simulated, '--name', `starter-${option}`], 30_000);
  await step('install', dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], 300_000);
  await step('npm test', dir, 'npm', ['test'], 300_000);
  await step('typecheck', dir, 'npm', ['run', 'typecheck'], 120_000);
  const outdir = join(workspace, `${option}-dist`);
  mkdirSync(outdir);
  await step('deploy --dry-run', dir, 'npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], 120_000);
  let at = Date.now();
  const dev = await startDev(dir);
  timings.push(`dev up ${seconds(at)}`);
  try {
    await browser.forget();
    at = Date.now();
    const tools = await sdkClient(dev.origin, entry, browser);
    timings.push(`SDK ${seconds(at)}`);
    log(`  SDK 1.32 client, OAuth in Chromium, ${tools} tools, step-up: ${seconds(at)}`);
    at = Date.now();
    const passed = await conformance(dev.origin, entry, browser);
    timings.push(`conformance ${seconds(at)}`);
    log(`  conformance authorization scenarios (${passed.join(', ')}): ${seconds(at)}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- npm run dev output ---\n${dev.output().slice(-3000)}`);
  } finally {
    await dev.stop();
  }
}

const browser = await BrowserUser.launch();
const summary: string[] = [];
let passed = 0;
let failed = 0;
try {
  for (const option of options) {
    const at = Date.now();
    timings = [];
    log(`${option}…`);
    try {
      await checkStarter(option, browser);
      passed++;
      summary.push(`ok      ${option.padEnd(13)} ${seconds(at).padStart(7)}  (${timings.join(', ')})`);
    } catch (error) {
      failed++;
      console.error(`FAILED ${option}: ${(error as Error).stack ?? error}`);
      summary.push(`FAILED  ${option.padEnd(13)} ${seconds(at).padStart(7)}  ${(error as Error).message.split('\n')[0]}`);
    }
  }
} finally {
  await browser.close();
  if (!process.env.KEEP_STARTERS) rmSync(workspace, { recursive: true, force: true });
  else log(`kept ${workspace}`);
}
console.log(`\nstarters (generate, npm install, npm test, typecheck, deploy --dry-run, npm run dev + SDK client in Chromium + conformance):\n${summary.join('\n')}`);
console.log(`Took ${seconds(started)}.`);
// The plain closing line CI reads: 'N passed, N failed' alone on its line.
console.log(`starters: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
