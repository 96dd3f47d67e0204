/**
 * A fresh store per benchmark worker: a new database on the PostgreSQL server (TEST_DATABASE_URL,
 * which the worker client sets from --database-url), or PGlite in a new data folder, as the local twin keeps it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from '../../local/postgres/scratch-database.js';
import type { StoreLocation } from '../../local/store/open-store.js';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import type { StoreKind } from '../model/bench-results.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchStore {
  readonly kind: StoreKind;
  /** Where the local twin opens it. */
  readonly location: StoreLocation;
  /** e.g. "PostgreSQL 15.2 (database tributary_test_...)". */
  readonly description: string;
  /** Migrated and seeded client (PostgreSQL only; PGlite's folder is opened by one user at a time). */
  readonly client?: SqlClient;
  /** PGlite's data folder. */
  readonly dataDir?: string;
  dispose(): Promise<void>;
}

/** Creates an empty, migrated and seeded store of the given kind. */
export async function freshBenchStore(kind: StoreKind): Promise<BenchStore> {
  if (kind === 'postgres') {
    const store = await createScratchDatabase(SERVER_URL, 'tributary_test');
    const [row] = await store.client.query<{ server_version: string }>('SHOW server_version');
    const url = new URL(store.url);
    return {
      kind,
      location: { databaseUrl: store.url },
      description: `PostgreSQL ${row?.server_version ?? '?'} at ${url.host}${url.pathname}`,
      client: store.client,
      dispose: () => store.dispose(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-pglite-'));
  // Migrate and seed now, so the twin and the ceiling both start from the same prepared folder.
  const client = await createPgliteClient(dataDir);
  try {
    await migrate(client);
    await seedReferenceData(client);
  } finally {
    await client.close();
  }
  return {
    kind,
    location: { dataDir, engine: 'pglite' },
    description: `PGlite in ${dataDir}`,
    dataDir,
    async dispose() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
