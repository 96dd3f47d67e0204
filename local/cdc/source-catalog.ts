/**
 * What the capture reads from the source's catalog: wal_level, the publication and its tables,
 * each table's primary key and replica identity. The rule for tables without a primary key: they
 * are captured only with REPLICA IDENTITY FULL (their events then have a null key, as Debezium's);
 * otherwise the capture refuses to start, naming them, since PostgreSQL could not replicate their
 * updates and deletes.
 */
import type pg from 'pg';
import { SourceNotReadyError, UncapturableTableError } from './errors.js';

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export interface TableInfo extends TableRef {
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** d default, f full, i index, n nothing. */
  readonly replicaIdentity: string;
}

type Db = Pick<pg.Pool, 'query'>;

export const qualified = (t: TableRef): string => `${t.schema}.${t.table}`;
const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quotedTable = (t: TableRef): string => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;

export async function checkLogicalReplication(db: Db): Promise<void> {
  const { rows } = await db.query<{ wal_level: string }>('SHOW wal_level');
  if (rows[0]?.wal_level !== 'logical') {
    throw new SourceNotReadyError(
      `the source has wal_level=${rows[0]?.wal_level}; change data capture needs wal_level=logical (postgresql.conf, or rds.logical_replication=1 on Aurora/RDS), then a restart`,
    );
  }
}

export async function describeTable(db: Db, ref: TableRef): Promise<TableInfo> {
  const { rows } = await db.query<{ relreplident: string; pk: string[] | null }>(
    `SELECT c.relreplident::text AS relreplident,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [ref.schema, ref.table],
  );
  const row = rows[0];
  if (!row) throw new UncapturableTableError(`table ${qualified(ref)} does not exist`);
  return { ...ref, primaryKey: row.pk ?? [], replicaIdentity: row.relreplident };
}

/** Refuses tables whose changes cannot be keyed or replicated. */
export function checkCapturable(tables: readonly TableInfo[]): void {
  const refused = tables.filter((t) => t.primaryKey.length === 0 && t.replicaIdentity !== 'f');
  if (refused.length > 0) {
    throw new UncapturableTableError(
      `cannot capture ${refused.map(qualified).join(', ')}: no primary key. Add one, or run ALTER TABLE ... REPLICA IDENTITY FULL (its events then carry a null key)`,
    );
  }
}

/**
 * Makes sure the publication exists: FOR TABLE the given tables (created or extended), or FOR ALL
 * TABLES when none are given. Returns the tables it publishes.
 */
export async function ensurePublication(db: Db, name: string, tables: readonly TableRef[] | undefined): Promise<TableRef[]> {
  const exists = (await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0;
  try {
    if (exists === 0) {
      await db.query(
        tables && tables.length > 0
          ? `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tables.map(quotedTable).join(', ')}`
          : `CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`,
      );
    } else if (tables && tables.length > 0) {
      const published = await publicationTables(db, name);
      const missing = tables.filter((t) => !published.some((p) => p.schema === t.schema && p.table === t.table));
      const all = (await db.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [name])).rows[0];
      if (missing.length > 0 && !all?.puballtables) {
        await db.query(`ALTER PUBLICATION ${quoteIdent(name)} ADD TABLE ${missing.map(quotedTable).join(', ')}`);
      }
    }
  } catch (error) {
    throw new SourceNotReadyError(`cannot create or extend publication ${name}: ${(error as Error).message}`, { cause: error });
  }
  return publicationTables(db, name);
}

export async function publicationTables(db: Db, name: string): Promise<TableRef[]> {
  const { rows } = await db.query<{ schemaname: string; tablename: string }>(
    'SELECT schemaname::text, tablename::text FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2',
    [name],
  );
  return rows.map((r) => ({ schema: r.schemaname, table: r.tablename }));
}
