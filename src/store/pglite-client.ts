/** PGlite adapter of the store port: real PostgreSQL compiled to WASM, in-process, kept in a folder. */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable } from './sql-client.js';

/** Opens (creating if needed) an embedded database in dataDir; in memory when dataDir is omitted. */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const asQueryable = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    async query<Row extends object>(text: string, params?: readonly unknown[]) {
      // Without parameters use the simple protocol, which (like node-postgres) runs several
      // statements, as migrations need.
      if (params === undefined || params.length === 0) return ((await q.exec(text)).at(-1)?.rows ?? []) as Row[];
      const result = await q.query<Row>(text, params as unknown[]);
      return result.rows;
    },
  });
  return {
    kind: 'pglite',
    ...asQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(asQueryable(tx))),
    async readOnlyQuery(text, timeoutMs) {
      return db.transaction(async (tx) => {
        await tx.exec(`SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
        // query() with a parameter list uses the extended protocol: one statement only.
        const result = await tx.query<Record<string, unknown>>(text, []);
        await tx.rollback();
        return { columns: result.fields.map((f) => f.name), rows: result.rows };
      });
    },
    async close() {
      await db.close();
    },
  };
}
