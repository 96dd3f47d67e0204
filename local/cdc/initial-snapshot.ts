/**
 * The initial snapshot: every row of the captured tables as of the slot's consistent point, read
 * in the snapshot the slot exported (so nothing is missed or seen twice between the snapshot and
 * the stream), published as op "r" events, the last one marked snapshot "last".
 */
import type pg from 'pg';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { type ChangeContext, type ColumnSpec, changeRecords, type TextRow } from './change-records.js';
import type { ColumnTypes } from './column-types.js';
import { quotedTable, type TableInfo } from './source-catalog.js';

const FETCH_ROWS = 2000;
const asText = { getTypeParser: () => (value: string) => value };

export interface SnapshotOptions {
  readonly db: pg.Client;
  readonly snapshotName: string;
  readonly tables: readonly TableInfo[];
  readonly types: ColumnTypes;
  readonly context: Omit<ChangeContext, 'snapshot'>;
  /** Publishes records and resolves once Kafka acknowledged them. */
  readonly publish: (records: OutputRecord[]) => Promise<void>;
}

/** Returns the number of rows read. */
export async function runInitialSnapshot(options: SnapshotOptions): Promise<number> {
  const { db, tables, types, context } = options;
  let held: OutputRecord[] = [];
  let rows = 0;
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await db.query(`SET TRANSACTION SNAPSHOT '${options.snapshotName.replace(/'/g, "''")}'`);
    for (const table of tables) {
      await db.query(`DECLARE snapshot_rows NO SCROLL CURSOR FOR SELECT * FROM ${quotedTable(table)}`);
      for (;;) {
        const result = await db.query<Record<string, string | null>>({ text: `FETCH ${FETCH_ROWS} FROM snapshot_rows`, types: asText });
        if (result.rows.length === 0) break;
        const columns: ColumnSpec[] = await Promise.all(
          result.fields.map(async (f) => ({ name: f.name, type: await types.get(f.dataTypeID), typmod: f.dataTypeModifier })),
        );
        const records = result.rows.flatMap((row) =>
          changeRecords({ table, columns, op: 'r', before: null, after: row as TextRow }, { ...context, snapshot: 'true' }),
        );
        rows += result.rows.length;
        // Hold one batch back, so the very last record can be marked "last".
        if (held.length > 0) await options.publish(held);
        held = records;
      }
      await db.query('CLOSE snapshot_rows');
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
  const last = held.at(-1);
  if (last && typeof last.value === 'string') {
    const event = JSON.parse(last.value) as { source: { snapshot: string } };
    event.source.snapshot = 'last';
    held[held.length - 1] = { ...last, value: JSON.stringify(event) };
  }
  if (held.length > 0) await options.publish(held);
  return rows;
}
