import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';

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
  requireBuild();
  const port = options.port ?? (await freePort());
  return serve({
    name: 'astro preview',
    args: ['node_modules/astro/bin/astro.mjs', 'preview', '--port', String(port), '--host', 'localhost', '--ignore-lock'],
    origin: `http://localhost:${port}`,
    env: options.env,
    answers: async (url) => (await fetch(url)).ok,
  });
}

/**
 * The same production build over https, for what only works there (Client ID Metadata Documents:
 * a client_id must be an https URL, and the Worker fetches it). `wrangler dev` serves the built
 * Worker (dist/server/wrangler.json, what `astro preview` runs) with a certificate for localhost
 * from a test CA made for this run; the Worker's own outbound fetches trust that CA
 * (NODE_EXTRA_CA_CERTS, which Miniflare hands to workerd), and `--upstream-protocol https` makes the
 * Worker see its requests as https, so its issuer and resources are https URLs. A browser must be
 * told to accept the certificate (Playwright: `ignoreHTTPSErrors`). Needs `openssl`.
 */
export async function startHttpsPreview(): Promise<RunningServer> {
  requireBuild();
  const port = await freePort();
  const tls = testCertificate();
  const agent = new Agent({ connect: { ca: tls.ca } });
  const server = await serve({
    name: 'wrangler dev (https)',
    args: [
      'node_modules/wrangler/bin/wrangler.js', 'dev', '--config', 'dist/server/wrangler.json',
      '--local-protocol', 'https', '--upstream-protocol', 'https', '--https-key-path', tls.keyPath, '--https-cert-path', tls.certPath,
      '--ip', 'localhost', '--port', String(port), '--show-interactive-dev-session=false',
    ],
    origin: `https://localhost:${port}`,
    env: { NODE_EXTRA_CA_CERTS: tls.caPath, WRANGLER_SEND_METRICS: 'false' },
    // Ready once the authorization server's metadata names the https origin as its issuer.
    answers: async (url) => {
      const response = await undiciFetch(url, { dispatcher: agent });
      return response.ok && ((await response.json()) as { issuer?: string }).issuer === new URL(url).origin;
    },
  });
  return {
    origin: server.origin,
    stop: async () => {
      await server.stop();
      await agent.close();
      rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

function requireBuild(): void {
  if (!existsSync(new URL('../../dist/server/entry.mjs', import.meta.url))) {
    throw new Error('No production build in dist/: run `npm run build` first (npm test does).');
  }
}

/** A CA made for this run, and a certificate for localhost it signed (a self-signed leaf is refused by workerd's TLS). */
function testCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-auth-lab-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=MCP Auth Lab test CA', '-keyout', path('ca.key'), '-out', path('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', path('leaf.key'), '-out', path('leaf.csr'));
  writeFileSync(path('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', path('leaf.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', path('leaf.ext'), '-out', path('leaf.pem'));
  return { dir, caPath: path('ca.pem'), ca: readFileSync(path('ca.pem'), 'utf8'), keyPath: path('leaf.key'), certPath: path('leaf.pem') };
}

/** Runs a server in its own process group until `answers` says its metadata URL works (30 s at most). */
async function serve(options: { name: string; args: string[]; origin: string; env?: Record<string, string>; answers(url: string): Promise<boolean> }): Promise<RunningServer> {
  const { name, origin } = options;
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', ASTRO_TELEMETRY_DISABLED: '1', ...options.env },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
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
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    try {
      if (await options.answers(`${origin}/.well-known/oauth-authorization-server`)) return { origin, stop };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`${name} did not answer on ${origin} within 30 s:\n${output}`);
}
