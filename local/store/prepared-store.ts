/**
 * Opens the local store, migrated and seeded: DATABASE_URL when set; otherwise the embedded
 * PostgreSQL server (database `analytics` in .data/postgres, shared with the twin's shop database
 * and attached to when the twin already runs it), or PGlite with TRIBUTARY_STORE=pglite.
 * The server measured better than PGlite as the twin's store (docs/performance.md).
 */
import { ConfigError, optionalEnv } from '../../src/config/env.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { acquireEmbeddedPostgres } from '../postgres/shared-server.js';
import { DEFAULT_DATA_DIR, describeStore, openStore, STORE_ENGINES, type StoreEngine, type StoreLocation } from './open-store.js';

export { STORE_ENGINES, type StoreEngine } from './open-store.js';
/** The embedded server's folder when no --data-dir is given. */
export const DEFAULT_POSTGRES_DIR = '.data/postgres';
export const ANALYTICS_DATABASE = 'analytics';

/** TRIBUTARY_STORE: postgres (default, the embedded server) or pglite. */
export function storeEngine(env = process.env): StoreEngine {
  const value = optionalEnv('TRIBUTARY_STORE', env) ?? 'postgres';
  if (!(STORE_ENGINES as readonly string[]).includes(value)) {
    throw new ConfigError(`TRIBUTARY_STORE must be ${STORE_ENGINES.join(' or ')}, got "${value}"`);
  }
  return value as StoreEngine;
}

/** The location's own engine, else TRIBUTARY_STORE's. */
function engineOf(location: StoreLocation, env = process.env): StoreEngine {
  return location.engine ?? storeEngine(env);
}

/** The folder the store keeps its data in, for the engine in use. */
export function storeDataDir(location: StoreLocation = {}, env = process.env): string {
  return (
    location.dataDir ??
    optionalEnv('TRIBUTARY_DATA_DIR', env) ??
    (engineOf(location, env) === 'pglite' ? DEFAULT_DATA_DIR : DEFAULT_POSTGRES_DIR)
  );
}

async function prepare(client: SqlClient): Promise<void> {
  try {
    await migrate(client);
    await seedReferenceData(client);
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** Opens the local store without migrating or seeding it (see openPreparedStore). */
export async function openStoreClient(location: StoreLocation = {}): Promise<{ client: SqlClient; description: string }> {
  if (location.databaseUrl === undefined && optionalEnv('DATABASE_URL') === undefined && engineOf(location) === 'postgres') {
    const server = await acquireEmbeddedPostgres(storeDataDir(location));
    let inner: SqlClient;
    try {
      await server.ensureDatabase(ANALYTICS_DATABASE);
      inner = createPostgresClient({ connectionString: server.url(ANALYTICS_DATABASE) });
    } catch (error) {
      await server.release();
      throw error;
    }
    const client: SqlClient = {
      kind: inner.kind,
      query: (text, params) => inner.query(text, params),
      transaction: (fn) => inner.transaction(fn),
      readOnlyQuery: (text, timeoutMs) => inner.readOnlyQuery(text, timeoutMs),
      async close() {
        await inner.close();
        await server.release();
      },
    };
    return { client, description: `embedded PostgreSQL in ${server.dataDir} (port ${server.port}), database ${ANALYTICS_DATABASE}` };
  }
  const client = await openStore(location);
  return { client, description: describeStore(client, location) };
}

/** Opens the local store, migrated and seeded. */
export async function openPreparedStore(location: StoreLocation = {}): Promise<{ client: SqlClient; description: string }> {
  const store = await openStoreClient(location);
  await prepare(store.client);
  return store;
}
