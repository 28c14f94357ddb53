import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// Each auth option's whole flow (server/options/<id>/*.flow.test.ts) inside workerd, against the
// server on its own (server/index.ts, wrangler.test.jsonc). A starter runs the same files against
// its own src/index.ts.
export default defineProject({
  root: fileURLToPath(new URL('..', import.meta.url)),
  // Vite warns about source maps the MCP SDKs publish without their sources: noise.
  logLevel: 'error',
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL('./wrangler.test.jsonc', import.meta.url)) } })],
  test: { name: 'flows', include: ['server/**/*.flow.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
