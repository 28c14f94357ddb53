import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './judge.ts';

/**
 * Runs the official conformance CLI as a child process, bounded in time, and reads the checks it
 * wrote (one `checks.json` per scenario). Two releases are installed: the stable 0.1.x line (server
 * scenarios on the 2025 wire) and 0.2.0-alpha (adds the 2026-07-28 requirement set and the
 * authorization-server scenarios, which 0.1.16 does not have).
 */
const cliOf = (pkg: string) => join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'dist/index.js');
export const CONFORMANCE_CLI = {
  stable: cliOf('@modelcontextprotocol/conformance'),
  next: cliOf('mcp-conformance-next'),
} as const;

export const BEARER_PRELOAD = fileURLToPath(new URL('./bearer-preload.ts', import.meta.url));

export interface SuiteRun {
  results: ScenarioResult[];
  exitCode: number | null;
  /** stdout and stderr, interleaved, for failure messages. */
  output: string;
}

export interface SuiteOptions {
  /** Scenario results are saved in directories named `<prefix><scenario>-<timestamp>`. */
  resultPrefix: 'server-' | 'authorization-server-';
  env?: Record<string, string>;
  /** Options for node itself, before the CLI (e.g. `--import` a preload). */
  nodeArgs?: string[];
  timeoutMs: number;
  /** Sees each chunk of stdout as it arrives (the authorization scenario prints a URL to visit). */
  onStdout?: (chunk: string) => void;
}

export async function runConformance(cli: keyof typeof CONFORMANCE_CLI, args: string[], options: SuiteOptions): Promise<SuiteRun> {
  const outputDir = await mkdtemp(join(tmpdir(), 'lab-conformance-'));
  try {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CONFORMANCE_CLI[cli], ...args, '--output-dir', outputDir], {
      detached: true, // its own process group, so a timeout stops it and anything it started
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        output += `\n[conformance run stopped after ${options.timeoutMs} ms]`;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      }, options.timeoutMs);
      child.once('exit', (code) => (clearTimeout(timer), resolve(code)));
    });
    return { results: await readResults(outputDir, options.resultPrefix), exitCode, output };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

const TIMESTAMP_SUFFIX = /-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/;

async function readResults(outputDir: string, prefix: string): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const entry of await readdir(outputDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const scenario = entry.name.slice(prefix.length).replace(TIMESTAMP_SUFFIX, '');
    const checks = JSON.parse(await readFile(join(outputDir, entry.name, 'checks.json'), 'utf8'));
    results.push({ scenario, checks });
  }
  return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
}
