/**
 * A fresh database on a PostgreSQL server, migrated and seeded, dropped by dispose(): what tests and
 * benchmarks run against when they need a real server and a store of their own.
 */
import pg from 'pg';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export interface ScratchDatabase {
  client: SqlClient;
  /** Connection string of the fresh database. */
  url: string;
  dispose(): Promise<void>;
}

/** Runs fn with a client connected to the server's default database (creating and dropping databases). */
export async function onServer<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database named `<prefix>_<pid>_<random>` on the server, migrated and seeded. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = createPostgresClient({ connectionString: url.toString() });
  await migrate(client);
  await seedReferenceData(client);
  return {
    client,
    url: url.toString(),
    async dispose() {
      await client.close();
      await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
