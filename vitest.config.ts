import { defineConfig } from 'vitest/config';

// Three kinds of test, one command (`vitest run`):
//  - unit:    pure modules, in Node, beside the code they test (*.test.ts)
//  - workers: the companion server inside workerd (@cloudflare/vitest-plugin), tests/workers/
//  - interop: real MCP SDK clients and the conformance suite against the production build
//             (astro preview), tests/interop/
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['server/**/*.test.ts', 'site/**/*.test.ts', 'diagrams/**/*.test.ts', 'lessons/**/*.test.ts'],
          environment: 'node',
        },
      },
      'tests/workers/vitest.config.ts',
      'tests/interop/vitest.config.ts',
    ],
  },
});
