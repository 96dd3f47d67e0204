/**
 * How a CLI command reaches the store without harming a running twin: through the twin's HTTP
 * API when a twin serves that store (sub-second, and the twin stays the folder's only owner),
 * else by opening it directly, holding the PGlite folder's owner file while it does.
 */

import type { SqlClient } from '../../src/store/sql-client.js';
import type { StoreLocation } from '../store/open-store.js';
import { lockStoreFolder, pgliteFolder, storeKey, storeOwner } from '../twin/local-store.js';
import { runningTwin } from '../twin/twin-address.js';
import { TwinApiClient } from '../twin/twin-api-client.js';

export type StoreAccess =
  | { kind: 'twin'; api: TwinApiClient; pid: number; url: string }
  | { kind: 'store'; client: SqlClient; description: string; close(): Promise<void> };

/** How long a command waits for another command that holds the PGlite folder. */
const WAIT_FOR_OTHER_COMMAND_MS = 30_000;

/** The running twin serving this store, if one does. */
export function twinServing(location: StoreLocation = {}): { url: string; pid: number } | undefined {
  const twin = runningTwin();
  if (twin?.url && twin.store === storeKey(location)) return { url: twin.url, pid: twin.pid };
  const folder = pgliteFolder(location);
  const owner = folder ? storeOwner(folder) : undefined;
  if (owner?.twin === true && owner.url) return { url: owner.url, pid: owner.pid };
  return undefined;
}

/**
 * Access for reading: the twin's API when it serves the store; else the store itself, migrated
 * only when its schema is behind (a current one is not written to).
 */
export async function accessStoreForReading(command: string, location: StoreLocation = {}): Promise<StoreAccess> {
  const twin = twinServing(location);
  if (twin) return { kind: 'twin', api: new TwinApiClient(twin.url), ...twin };
  return openOwned(command, location, false);
}

/**
 * Opens the store itself for reading even while a twin serves it: fine for a PostgreSQL server
 * (embedded or DATABASE_URL), which serves many clients; a PGlite folder the twin owns is refused.
 */
export async function openStoreBesideTwin(command: string, location: StoreLocation = {}): Promise<Extract<StoreAccess, { kind: 'store' }>> {
  return openOwned(command, location, false);
}

/** Opens the store itself for a command that writes to it; StoreBusyError while a twin or another command holds it. */
export async function openStoreForWriting(command: string, location: StoreLocation = {}): Promise<Extract<StoreAccess, { kind: 'store' }>> {
  return openOwned(command, location, true);
}

async function openOwned(command: string, location: StoreLocation, write: boolean): Promise<Extract<StoreAccess, { kind: 'store' }>> {
  const folder = pgliteFolder(location);
  const owner = folder ? await lockStoreFolder(folder, command, WAIT_FOR_OTHER_COMMAND_MS) : undefined;
  try {
    const store = write ? await (await import('./prepared-store.js')).openPreparedStore(location) : await openCurrentStore(location);
    return {
      kind: 'store',
      ...store,
      async close() {
        await store.client.close();
        owner?.release();
      },
    };
  } catch (error) {
    owner?.release();
    throw error;
  }
}

async function openCurrentStore(location: StoreLocation): Promise<{ client: SqlClient; description: string }> {
  // Loaded here: a command answered by the twin never pays for the store's modules.
  const [{ loadMigrations, migrate }, { openStoreClient }, { seedReferenceData }] = await Promise.all([
    import('../../src/store/migrate.js'),
    import('./prepared-store.js'),
    import('../../src/reference/seed-reference-data.js'),
  ]);
  const { client, description } = await openStoreClient(location);
  try {
    const rows = await client
      .query<{ version: number | null }>('SELECT max(version)::int AS version FROM schema_migrations')
      .catch(() => [{ version: null }]);
    if ((rows[0]?.version ?? 0) < loadMigrations().length) {
      await migrate(client);
      await seedReferenceData(client);
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  return { client, description };
}
