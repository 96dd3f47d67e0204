/**
 * Turns one row change (values in PostgreSQL's text form) into the Kafka records Debezium's
 * PostgreSQL connector writes for it: the envelope keyed by the primary key, and after a delete a
 * tombstone with the same key.
 */
import {
  type ChangeEvent,
  type ChangeOp,
  type ChangeRow,
  type ChangeSource,
  changeTopicName,
  LOCAL_CAPTURE_VERSION,
  UNAVAILABLE_VALUE,
} from '../../src/cdc/debezium-envelope.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { ColumnType } from './column-types.js';
import { encodeValue } from './debezium-values.js';
import type { TableInfo } from './source-catalog.js';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly typmod: number;
}

/** Column text values; undefined = an unchanged TOASTed value the WAL did not carry. */
export type TextRow = Readonly<Record<string, string | null | undefined>>;

export interface ChangeContext {
  readonly topicPrefix: string;
  readonly database: string;
  /** LSN of this change. */
  readonly lsn: bigint;
  /** Commit LSN of the transaction before this one (Debezium's sequence[0]). */
  readonly lastCommitLsn: bigint | null;
  readonly txId: number | null;
  readonly commitTimeMs: number;
  readonly snapshot: ChangeSource['snapshot'];
}

export interface RowChange {
  readonly table: TableInfo;
  readonly columns: readonly ColumnSpec[];
  readonly op: ChangeOp;
  readonly before: TextRow | null;
  readonly after: TextRow | null;
}

function encodeRow(row: TextRow, columns: readonly ColumnSpec[]): ChangeRow {
  const out: ChangeRow = {};
  for (const column of columns) {
    const value = Object.hasOwn(row, column.name) ? row[column.name] : null;
    out[column.name] = value === undefined ? UNAVAILABLE_VALUE : value === null ? null : encodeValue(value, column.type, column.typmod);
  }
  return out;
}

function keyOf(table: TableInfo, row: ChangeRow): string | null {
  if (table.primaryKey.length === 0) return null;
  return JSON.stringify(Object.fromEntries(table.primaryKey.map((k) => [k, row[k] ?? null])));
}

export function changeRecords(change: RowChange, context: ChangeContext): OutputRecord[] {
  const before = change.before ? encodeRow(change.before, change.columns) : null;
  const after = change.after ? encodeRow(change.after, change.columns) : null;
  const source: ChangeSource = {
    version: LOCAL_CAPTURE_VERSION,
    connector: 'postgresql',
    name: context.topicPrefix,
    ts_ms: context.commitTimeMs,
    snapshot: context.snapshot,
    db: context.database,
    sequence: JSON.stringify([context.lastCommitLsn === null ? null : String(context.lastCommitLsn), String(context.lsn)]),
    schema: change.table.schema,
    table: change.table.table,
    txId: context.txId,
    lsn: Number(context.lsn),
    xmin: null,
  };
  const event: ChangeEvent = { before, after, source, op: change.op, ts_ms: Date.now(), transaction: null };
  const topic = changeTopicName(context.topicPrefix, change.table.schema, change.table.table);
  const key = keyOf(change.table, (after ?? before) as ChangeRow);
  const records: OutputRecord[] = [{ topic, key, value: JSON.stringify(event), headers: {} }];
  if (change.op === 'd') records.push({ topic, key, value: null, headers: {} });
  return records;
}
