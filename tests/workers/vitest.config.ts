import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// The companion server inside workerd: tests/workers/wrangler.jsonc runs server/index.ts on its
// own (a test entry cannot import Astro's handler), and the tests call it through
// `exports.default.fetch` with real requests. The Worker runs in the same isolate as the tests,
// so a test can stand in for the Worker's outbound fetch (CIMD documents) and its clock (expiry).
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  plugins: [cloudflareTest({ wrangler: { configPath: fileURLToPath(new URL('./wrangler.jsonc', import.meta.url)) } })],
  test: {
    name: 'workers',
    include: ['tests/workers/**/*.test.ts'],
  },
});
