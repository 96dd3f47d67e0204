/**
 * Real stores for tests: a fresh database on the PostgreSQL server and an in-memory PGlite, both
 * migrated and seeded. The server is TEST_DATABASE_URL when set, else the embedded server that
 * test/helpers/postgres-global-setup.ts starts for the run (wal_level=logical, so it is also a
 * change-data-capture source); outside vitest the fallback is 127.0.0.1:5432/test.
 */
import type pg from 'pg';
import { createScratchDatabase, onServer } from '../../local/postgres/scratch-database.js';
import { createPgliteThreadClient } from '../../local/store/pglite-thread-client.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  client: SqlClient;
  /** Connection string of the fresh database (PostgreSQL only). */
  url?: string;
  dispose(): Promise<void>;
}

/** Runs fn with a client connected to the test server's default database (creating and dropping databases). */
export function onTestServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return onServer(TEST_DATABASE_URL, fn);
}

/** A new, migrated and seeded database on the real server; dropped by dispose(). */
export function postgresTestStore(): Promise<TestStore> {
  return createScratchDatabase(TEST_DATABASE_URL, 'tributary_test');
}

/** An in-memory PGlite in a worker thread, as the local twin runs it; closed by dispose(). */
export async function pgliteTestStore(): Promise<TestStore> {
  const client = await createPgliteThreadClient();
  await migrate(client);
  await seedReferenceData(client);
  return { client, dispose: () => client.close() };
}

export const STORES: [string, () => Promise<TestStore>][] = [
  ['PostgreSQL', postgresTestStore],
  ['PGlite', pgliteTestStore],
];
