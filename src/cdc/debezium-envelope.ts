/**
 * Debezium-compatible change events for PostgreSQL, as written with Kafka Connect's JsonConverter
 * and schemas.enable=false: one topic per table (`<prefix>.<schema>.<table>`), the key a JSON
 * object of the primary key columns, the value the envelope below, and a tombstone (the key with a
 * null value) after each delete. The local capture writes them; on AWS, MSK Connect with the
 * Debezium PostgreSQL connector does. The consumers read both the same way.
 */

/** c = insert, u = update, d = delete, r = read by the initial snapshot. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r';

export type ChangeRow = Record<string, unknown>;

/** `source` block of the PostgreSQL connector. */
export interface ChangeSource {
  readonly version: string;
  readonly connector: 'postgresql';
  /** The topic prefix. */
  readonly name: string;
  /** Commit time of the change in the database (ms since epoch). */
  readonly ts_ms: number;
  /** "true" during the snapshot, "last" on its last record, "false" while streaming ("first"/"incremental" in newer versions). */
  readonly snapshot: 'true' | 'first' | 'last' | 'false' | 'incremental';
  readonly db: string;
  /** JSON text of [last commit LSN, this change's LSN], both as decimal strings (the first may be null). */
  readonly sequence: string | null;
  readonly schema: string;
  readonly table: string;
  readonly txId: number | null;
  /** WAL position of the change, as a number. */
  readonly lsn: number | null;
  readonly xmin: number | null;
}

export interface ChangeEvent {
  readonly before: ChangeRow | null;
  readonly after: ChangeRow | null;
  readonly source: ChangeSource;
  readonly op: ChangeOp;
  /** When the connector processed the change (ms since epoch). */
  readonly ts_ms: number;
  readonly transaction: null;
}

/** Debezium's unavailable.value.placeholder default: a TOASTed value an update did not change. */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';

/** The connector version our local capture claims in source.version. */
export const LOCAL_CAPTURE_VERSION = '2.7.0.Final-tributary';

/** `<prefix>.<schema>.<table>`, as the Debezium PostgreSQL connector names its topics. */
export function changeTopicName(prefix: string, schema: string, table: string): string {
  return `${prefix}.${schema}.${table}`;
}
