import { defineConfig } from 'vitest/config';

// Two projects: unit tests are pure and fast; integration tests start real processes
// (redis-server, the CRM sandbox) and so run with longer timeouts and fewer workers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Unit tests are pure (no mocks, no globals, no env): files share a worker's module cache,
          // so zod, the schemas and the scoring code are imported once per worker, not once per file.
          isolate: false,
          // Sized for a loaded 2-core machine running the integration project beside (the slowest
          // unit test takes about 1 s alone).
          testTimeout: 30_000,
          // Its own group (run first): vitest refuses projects with different worker settings in one group.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
