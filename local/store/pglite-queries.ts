/**
 * The statements of the PGlite adapters, written once: used in-process (pglite-client.ts) and by
 * the worker thread that owns the database (pglite-worker.ts).
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';

/** Runs one query on the database or in a transaction, returning its rows. */
export async function runPgliteQuery<Row extends object>(
  q: Pick<PGlite | Transaction, 'query' | 'exec'>,
  text: string,
  params?: readonly unknown[],
): Promise<Row[]> {
  // Without parameters use the simple protocol, which (like node-postgres) runs several
  // statements, as migrations need.
  if (params === undefined || params.length === 0) return ((await q.exec(text)).at(-1)?.rows ?? []) as Row[];
  const result = await q.query<Row>(text, params as unknown[]);
  return result.rows;
}

/** One statement of untrusted SQL, read only, with a statement timeout, rolled back. */
export async function runPgliteReadOnlyQuery(
  db: PGlite,
  text: string,
  timeoutMs: number,
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  return db.transaction(async (tx) => {
    await tx.exec(`SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
    // query() with a parameter list uses the extended protocol: one statement only.
    const result = await tx.query<Record<string, unknown>>(text, []);
    await tx.rollback();
    return { columns: result.fields.map((f) => f.name), rows: result.rows };
  });
}
