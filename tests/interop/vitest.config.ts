import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Real MCP SDK clients and the official conformance suite against the production build, served by
// `astro preview` in workerd (started once in global-setup.ts). Needs dist/: `npm run build`.
export default defineProject({
  test: {
    name: 'interop',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/interop/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/interop/global-setup.ts'],
    // Real HTTP and a real user flow per test; the conformance runs are bounded by their own timer.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
