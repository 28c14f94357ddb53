import { defineConfig } from 'vitest/config';

// Three kinds of test, one command (`vitest run`):
//  - unit:    pure modules, in Node, beside the code they test (*.test.ts)
//  - workers: the companion server inside workerd (@cloudflare/vitest-plugin), tests/workers/
//  - flows:   each auth option end to end inside workerd, beside its module (a starter runs them too)
//  - interop: real MCP SDK clients and the conformance suite against the production build
//             (astro preview), tests/interop/
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['server/**/*.test.ts', 'site/**/*.test.ts', 'diagrams/**/*.test.ts', 'lessons/**/*.test.ts', 'tests/starters/**/*.test.ts', 'tests/load/**/*.test.ts'],
          exclude: ['server/**/*.flow.test.ts'],
          environment: 'node',
        },
      },
      'tests/workers/vitest.config.ts',
      'server/vitest.flows.config.ts',
      'tests/interop/vitest.config.ts',
    ],
  },
});
