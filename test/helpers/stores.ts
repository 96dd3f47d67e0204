/**
 * Real stores for tests: a fresh database on the PostgreSQL server and an in-memory PGlite, both
 * migrated and seeded. The server is TEST_DATABASE_URL when set, else the embedded server that
 * test/helpers/postgres-global-setup.ts starts for the run (wal_level=logical, so it is also a
 * change-data-capture source); outside vitest (benchmarks) the fallback is 127.0.0.1:5432/test.
 */
import pg from 'pg';
import { createPgliteThreadClient } from '../../local/store/pglite-thread-client.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  client: SqlClient;
  /** Connection string of the fresh database (PostgreSQL only). */
  url?: string;
  dispose(): Promise<void>;
}

/** Runs fn with a client connected to the test server's default database (creating and dropping databases). */
export async function onTestServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, migrated and seeded database on the real server; dropped by dispose(). */
export async function postgresTestStore(): Promise<TestStore> {
  const name = `tributary_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await onTestServer((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const client = createPostgresClient({ connectionString: url.toString() });
  await migrate(client);
  await seedReferenceData(client);
  return {
    client,
    url: url.toString(),
    async dispose() {
      await client.close();
      await onTestServer((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
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
