/**
 * PGlite adapter of the store port, in-process: real PostgreSQL compiled to WASM, running on the
 * calling thread. The benchmarks use it; the twin, the CLI and the test stores use the worker-thread
 * adapter (pglite-thread-client.ts), which keeps the database's CPU time off the event loop.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable } from '../../src/store/sql-client.js';
import { runPgliteQuery, runPgliteReadOnlyQuery } from './pglite-queries.js';

/** Opens (creating if needed) an embedded database in dataDir; in memory when dataDir is omitted. */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const asQueryable = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    query: (text, params) => runPgliteQuery(q, text, params),
  });
  return {
    kind: 'pglite',
    ...asQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(asQueryable(tx))),
    readOnlyQuery: (text, timeoutMs) => runPgliteReadOnlyQuery(db, text, timeoutMs),
    async close() {
      await db.close();
    },
  };
}
