import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Runs the production build (`astro preview`, which serves dist/ in workerd) on a free port, for
 * tests and the benchmark that talk to the real Worker over real HTTP. Build first (`npm run build`;
 * `npm test` does). The server runs in its own process group and is stopped as a group.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  origin: string;
  stop(): Promise<void>;
}

export async function startPreview(options: { port?: number; env?: Record<string, string> } = {}): Promise<RunningServer> {
  if (!existsSync(new URL('../../dist/server/entry.mjs', import.meta.url))) {
    throw new Error('No production build in dist/: run `npm run build` first (npm test does).');
  }
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ['node_modules/astro/bin/astro.mjs', 'preview', '--port', String(port), '--host', 'localhost', '--ignore-lock'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', ASTRO_TELEMETRY_DISABLED: '1', ...options.env },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const origin = `http://localhost:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
        resolve(undefined);
      }, 3000);
      child.once('exit', () => (clearTimeout(timer), resolve(undefined)));
    });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`astro preview exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${origin}/.well-known/oauth-authorization-server`);
      if (response.ok) return { origin, stop };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`astro preview did not answer on ${origin} within 30 s:\n${output}`);
}
