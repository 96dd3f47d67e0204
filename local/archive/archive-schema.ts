/**
 * The columns of an archived Parquet file: the ONE list the writer appends, the reader checks and
 * the Glue table (infra/archive) declares. Times are TIMESTAMP WITH TIME ZONE (Parquet
 * isAdjustedToUTC, millisecond values); money is DECIMAL(20,4) like the store's numeric(20,4), so
 * sums over the archive equal sums over the store.
 */
import type { ArchiveRow } from './archive-row.js';

export type ArchiveColumnType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'BLOB' | 'BOOLEAN' | 'TIMESTAMPTZ' | 'DECIMAL(20,4)';

export interface ArchiveColumn {
  readonly name: string;
  readonly type: ArchiveColumnType;
  /** The value appended for a row; times as epoch ms. */
  readonly get: (row: ArchiveRow) => string | number | bigint | boolean | Buffer | null;
  /** Glue/Hive type of the column. */
  readonly glueType: string;
}

const col = (name: string, type: ArchiveColumnType, glueType: string, get: ArchiveColumn['get']): ArchiveColumn => ({
  name,
  type,
  glueType,
  get,
});

export const ARCHIVE_COLUMNS: readonly ArchiveColumn[] = [
  col('topic', 'VARCHAR', 'string', (r) => r.topic),
  col('kafka_partition', 'INTEGER', 'int', (r) => r.partition),
  col('kafka_offset', 'BIGINT', 'bigint', (r) => r.offset),
  col('kafka_timestamp', 'TIMESTAMPTZ', 'timestamp', (r) => r.kafkaTimestampMs),
  col('key', 'BLOB', 'binary', (r) => r.key),
  col('value', 'BLOB', 'binary', (r) => r.value),
  col('headers', 'VARCHAR', 'string', (r) => r.headers),
  col('event_id', 'VARCHAR', 'string', (r) => r.eventId),
  col('event_type', 'VARCHAR', 'string', (r) => r.eventType),
  col('event_time', 'TIMESTAMPTZ', 'timestamp', (r) => r.eventTimeMs),
  col('received_at', 'TIMESTAMPTZ', 'timestamp', (r) => r.receivedAtMs),
  col('user_id', 'VARCHAR', 'string', (r) => r.userId),
  col('session_id', 'VARCHAR', 'string', (r) => r.sessionId),
  col('device_id', 'VARCHAR', 'string', (r) => r.deviceId),
  col('sku', 'VARCHAR', 'string', (r) => r.sku),
  col('product_name', 'VARCHAR', 'string', (r) => r.productName),
  col('category', 'VARCHAR', 'string', (r) => r.category),
  col('quantity', 'INTEGER', 'int', (r) => r.quantity),
  col('value_usd', 'DECIMAL(20,4)', 'decimal(20,4)', (r) => r.valueUsd),
  col('revenue_usd', 'DECIMAL(20,4)', 'decimal(20,4)', (r) => r.revenueUsd),
  col('country', 'VARCHAR', 'string', (r) => r.country),
  col('device_class', 'VARCHAR', 'string', (r) => r.deviceClass),
  col('browser', 'VARCHAR', 'string', (r) => r.browser),
  col('os', 'VARCHAR', 'string', (r) => r.os),
  col('is_bot', 'BOOLEAN', 'boolean', (r) => r.isBot),
];

/** Parquet type names DuckDB reports for each column (parquet_schema), to recognise our files. */
export const ARCHIVE_COLUMN_NAMES: readonly string[] = ARCHIVE_COLUMNS.map((c) => c.name);
