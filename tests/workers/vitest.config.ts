import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// The companion server inside workerd: tests/workers/wrangler.jsonc runs it wrapped in the lab's
// tracing layer, with a stand-in for the Astro site (support/test-worker.ts: a test entry cannot
// import Astro's handler), and the tests call it through
// `exports.default.fetch` with real requests. The Worker runs in the same isolate as the tests,
// so a test can stand in for the Worker's outbound fetch (CIMD documents) and its clock (expiry).
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  // Vite warns once per dependency file whose published source map names missing sources (the
  // MCP SDKs): dozens of lines that say nothing about the tests.
  logLevel: 'error',
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL('./wrangler.jsonc', import.meta.url)) } })],
  test: {
    name: 'workers',
    include: ['tests/workers/**/*.test.ts'],
    // Each file's first request loads the whole server (MCP SDKs, agents) into a fresh isolate,
    // which takes seconds when the files run in parallel: a generous limit, not a speed check.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
