import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own: npm run test:faults (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // Integration tests start brokers and stores; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // TEST_DATABASE_URL, or one embedded PostgreSQL for the whole run.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
  },
});
