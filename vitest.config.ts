import { defineConfig } from 'vitest/config';

/**
 * test/web holds the portal's component tests (happy-dom, fetch mocked): they touch no store, so the
 * PostgreSQL run (TENANTRY_TEST_DATABASE=postgres) leaves them to the SQLite run.
 */
const storeIndependent = process.env.TENANTRY_TEST_DATABASE === 'postgres' ? ['test/web/**'] : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/web/**/*.test.tsx'],
    exclude: ['**/node_modules/**', ...storeIndependent],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
