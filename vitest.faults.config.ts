import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: the pipeline on the twin under injected faults, verified by counting; prints the fault table. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // TEST_DATABASE_URL, or one embedded PostgreSQL for the whole run.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    // kafkajs logs every retried request under a fault: show logs of failing tests only.
    silent: 'passed-only',
    reporters: ['default', './test/faults/fault-table-reporter.ts'],
  },
});
