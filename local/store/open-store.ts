/**
 * Opens the store the local twin and the CLI use: DATABASE_URL when set, else PGlite in a data
 * folder, run in a worker thread.
 */
import { optionalEnv } from '../../src/config/env.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { createPgliteThreadClient } from './pglite-thread-client.js';

export const DEFAULT_DATA_DIR = '.data/pglite';

export const STORE_ENGINES = ['postgres', 'pglite'] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

export interface StoreLocation {
  databaseUrl?: string;
  dataDir?: string;
  /** The engine of a local store: overrides TRIBUTARY_STORE (the bench names the engine it measures). */
  engine?: StoreEngine;
}

export async function openStore(location: StoreLocation = {}, env = process.env): Promise<SqlClient> {
  const databaseUrl = location.databaseUrl ?? optionalEnv('DATABASE_URL', env);
  if (databaseUrl) return createPostgresClient({ connectionString: databaseUrl });
  return createPgliteThreadClient(location.dataDir ?? optionalEnv('TRIBUTARY_DATA_DIR', env) ?? DEFAULT_DATA_DIR);
}

/** Human description of where the store is, without credentials. */
export function describeStore(client: SqlClient, location: StoreLocation = {}, env = process.env): string {
  if (client.kind === 'postgres') {
    const url = location.databaseUrl ?? optionalEnv('DATABASE_URL', env) ?? '';
    return `PostgreSQL at ${url.replace(/\/\/[^@/]*@/, '//')}`;
  }
  return `PGlite in ${location.dataDir ?? optionalEnv('TRIBUTARY_DATA_DIR', env) ?? DEFAULT_DATA_DIR}`;
}
