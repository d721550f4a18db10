import { defineConfig } from 'vitest/config';

/**
 * The PostgreSQL pass (TENANTRY_TEST_DATABASE=postgres) leaves to the SQLite pass what would only
 * repeat it: test/web (the portal's components: happy-dom, fetch mocked, no store), the differential
 * test (it opens both stores itself, in either pass) and test/browser (the portal in Chromium: its
 * server paths run on PostgreSQL in test/identity, test/graph and test/e2e). CI stays under 10 minutes.
 */
const sqliteOnly = process.env.TENANTRY_TEST_DATABASE === 'postgres'
  ? ['test/web/**', 'test/reporting/differential.test.ts', 'test/browser/**']
  : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/web/**/*.test.tsx'],
    exclude: ['**/node_modules/**', ...sqliteOnly],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
