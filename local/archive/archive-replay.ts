/**
 * Replay: archived raw records of an event-time range sent back into the raw topic with their
 * original keys and headers, plus `tributary-replay` (when) and `tributary-replay-source`
 * (topic/partition/offset they were first written at). Each original record is sent once, even
 * when the archive holds it twice; records that were themselves replays are not sent again. The
 * sink is idempotent, so events already stored change nothing, and records rejected before a fix
 * are stored now.
 */
import type { DuckDBBlobValue } from '@duckdb/node-api';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { type ArchiveReader, fileListSql } from './archive-reader.js';
import { decodeHeaders } from './archive-row.js';
import type { CorruptArchiveFileError } from './errors.js';

export const ReplayHeader = {
  time: 'tributary-replay',
  source: 'tributary-replay-source',
} as const;

export interface ReplayOptions {
  reader: ArchiveReader;
  /** Where to send, opened only when the range holds records (nothing is sent when absent: a dry run). */
  publisher?: RecordPublisher | (() => RecordPublisher);
  topic: string;
  from: Date;
  to: Date;
  /** Records per publish call. */
  chunk?: number;
  now?: Date;
}

export interface ReplayResult {
  /** Records found in the range (each original once). */
  records: number;
  sent: number;
  /** Records per event type (unreadable raw records under "(unreadable)"). */
  byType: Record<string, number>;
  files: number;
  skipped: readonly CorruptArchiveFileError[];
  firstEventTime: string | null;
  lastEventTime: string | null;
}

interface ReplayRow {
  topic: string;
  kafka_partition: number;
  kafka_offset: bigint;
  key: DuckDBBlobValue | null;
  value: DuckDBBlobValue | null;
  headers: string;
  event_type: string | null;
  event_ms: bigint;
}

const bytesOf = (blob: DuckDBBlobValue | null): Buffer | null => (blob === null ? null : Buffer.from(blob.bytes));

export async function replayArchive(options: ReplayOptions): Promise<ReplayResult> {
  const { reader } = options;
  const set = await reader.files('raw', { fromMs: options.from.getTime(), toMs: options.to.getTime() });
  const result: ReplayResult = {
    records: 0,
    sent: 0,
    byType: {},
    files: set.files.length,
    skipped: set.skipped,
    firstEventTime: null,
    lastEventTime: null,
  };
  if (set.files.length === 0) return result;
  const connection = await reader.connect();
  try {
    const rows = (
      await connection.runAndReadAll(
        `SELECT topic, kafka_partition, kafka_offset, key, value, headers, event_type, epoch_ms(event_time) AS event_ms
           FROM read_parquet(${fileListSql(set.files)})
          WHERE event_time >= $1::timestamptz AND event_time < $2::timestamptz
            AND NOT contains(headers, ${`'"${ReplayHeader.time}"'`})
        QUALIFY row_number() OVER (PARTITION BY topic, kafka_partition, kafka_offset ORDER BY kafka_timestamp) = 1
          ORDER BY kafka_timestamp, kafka_partition, kafka_offset`,
        [options.from.toISOString(), options.to.toISOString()],
      )
    ).getRowObjects() as unknown as ReplayRow[];
    const replayedAt = (options.now ?? new Date()).toISOString();
    const chunk = options.chunk ?? 1_000;
    let pending: OutputRecord[] = [];
    const publisher = typeof options.publisher === 'function' ? options.publisher() : options.publisher;
    const send = async () => {
      if (publisher && pending.length > 0) {
        await publisher.publish(pending);
        result.sent += pending.length;
      }
      pending = [];
    };
    for (const row of rows) {
      result.records++;
      const type = row.event_type ?? '(unreadable)';
      result.byType[type] = (result.byType[type] ?? 0) + 1;
      const eventTime = new Date(Number(row.event_ms)).toISOString();
      result.firstEventTime ??= eventTime;
      result.lastEventTime = eventTime;
      const headers: OutputRecord['headers'] = {};
      for (const h of decodeHeaders(row.headers)) {
        const value = h.value ?? Buffer.alloc(0);
        const seen = headers[h.key];
        headers[h.key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
      }
      headers[ReplayHeader.time] = replayedAt;
      headers[ReplayHeader.source] = `${row.topic}/${row.kafka_partition}/${row.kafka_offset}`;
      pending.push({
        topic: options.topic,
        key: bytesOf(row.key),
        value: bytesOf(row.value),
        headers,
      });
      if (pending.length >= chunk) await send();
    }
    await send();
    return result;
  } finally {
    connection.closeSync();
  }
}
