/**
 * Replay: archived raw records of an event-time range sent back into the raw topic with their
 * original keys and headers, plus `tributary-replay` (when) and `tributary-replay-source`
 * (topic/partition/offset they were first written at). Each original record is sent once, even
 * when the archive holds it twice; records that were themselves replays are not sent again. The
 * sink is idempotent, so events already stored change nothing, and records rejected before a fix
 * are stored now.
 */
import { basename } from 'node:path';
import type { DuckDBBlobValue, DuckDBConnection } from '@duckdb/node-api';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { GLUE_TABLE_COLUMNS, glueColumnName } from '../../src/pipeline/archive-glue-columns.js';
import { type ArchiveReader, fileListSql } from './archive-reader.js';
import { decodeHeaders } from './archive-row.js';
import type { CorruptArchiveFileError } from './errors.js';
import { sqlLiteral } from './sql-literal.js';

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
  kafka_ms: bigint;
}

const bytesOf = (blob: DuckDBBlobValue | null): Buffer | null => (blob === null ? null : Buffer.from(blob.bytes));

/** A record to send, with the time it is ordered by and the event fields counted. */
interface Replayable {
  readonly orderMs: number;
  readonly eventMs: number;
  readonly eventType: string | null;
  readonly record: OutputRecord;
}

export async function replayArchive(options: ReplayOptions): Promise<ReplayResult> {
  const { reader } = options;
  const set = await reader.files('raw', { fromMs: options.from.getTime(), toMs: options.to.getTime() });
  const result: ReplayResult = {
    records: 0,
    sent: 0,
    byType: {},
    files: set.files.length + set.firehoseFiles.length,
    skipped: set.skipped,
    firstEventTime: null,
    lastEventTime: null,
  };
  if (result.files === 0) return result;
  const replayedAt = (options.now ?? new Date()).toISOString();
  const connection = await reader.connect();
  let records: Replayable[];
  try {
    records = [
      ...(await twinRecords(connection, set.files, options, replayedAt)),
      ...(await firehoseRecords(connection, set.firehoseFiles, options, replayedAt)),
    ];
  } finally {
    connection.closeSync();
  }
  // Stable: each source is already in its order; a folder mixing both interleaves by time.
  records.sort((a, b) => a.orderMs - b.orderMs);
  const chunk = options.chunk ?? 1_000;
  const publisher = typeof options.publisher === 'function' ? options.publisher() : options.publisher;
  let pending: OutputRecord[] = [];
  const send = async () => {
    if (publisher && pending.length > 0) {
      await publisher.publish(pending);
      result.sent += pending.length;
    }
    pending = [];
  };
  for (const { eventMs, eventType, record } of records) {
    result.records++;
    const type = eventType ?? '(unreadable)';
    result.byType[type] = (result.byType[type] ?? 0) + 1;
    const eventTime = new Date(eventMs).toISOString();
    if (result.firstEventTime === null || eventTime < result.firstEventTime) result.firstEventTime = eventTime;
    if (result.lastEventTime === null || eventTime > result.lastEventTime) result.lastEventTime = eventTime;
    pending.push({ ...record, topic: options.topic });
    if (pending.length >= chunk) await send();
  }
  await send();
  return result;
}

/** Records of the twin's files: key, value and headers as archived, each original (topic, partition, offset) once. */
async function twinRecords(
  connection: DuckDBConnection,
  files: readonly string[],
  options: ReplayOptions,
  replayedAt: string,
): Promise<Replayable[]> {
  if (files.length === 0) return [];
  const rows = (
    await connection.runAndReadAll(
      `SELECT topic, kafka_partition, kafka_offset, key, value, headers, event_type, epoch_ms(event_time) AS event_ms,
              epoch_ms(kafka_timestamp) AS kafka_ms
         FROM read_parquet(${fileListSql(files)})
        WHERE event_time >= $1::timestamptz AND event_time < $2::timestamptz
          AND NOT contains(headers, ${`'"${ReplayHeader.time}"'`})
      QUALIFY row_number() OVER (PARTITION BY topic, kafka_partition, kafka_offset ORDER BY kafka_timestamp) = 1
        ORDER BY kafka_timestamp, kafka_partition, kafka_offset`,
      [options.from.toISOString(), options.to.toISOString()],
    )
  ).getRowObjects() as unknown as ReplayRow[];
  return rows.map((row) => {
    const headers: OutputRecord['headers'] = {};
    for (const h of decodeHeaders(row.headers)) {
      const value = h.value ?? Buffer.alloc(0);
      const seen = headers[h.key];
      headers[h.key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    headers[ReplayHeader.time] = replayedAt;
    headers[ReplayHeader.source] = `${row.topic}/${row.kafka_partition}/${row.kafka_offset}`;
    return {
      orderMs: Number(row.kafka_ms),
      eventMs: Number(row.event_ms),
      eventType: row.event_type,
      record: { topic: options.topic, key: bytesOf(row.key), value: bytesOf(row.value), headers },
    };
  });
}

/**
 * Records of Firehose's raw files (AWS): the value is rebuilt as the JSON of the row's non-null
 * columns under their event field names (fields the Glue table lacks are lost); the key is the
 * event's userId, else its deviceId, as producers key raw records; the headers are the replay
 * headers alone. Firehose delivers at least once, so each event id is sent once.
 */
async function firehoseRecords(
  connection: DuckDBConnection,
  files: readonly string[],
  options: ReplayOptions,
  replayedAt: string,
): Promise<Replayable[]> {
  const out: Replayable[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlLiteral(file)})`)).getRowObjects();
    const folderHourMs = folderHour(file);
    rows.forEach((row, index) => {
      const event = firehoseRowToEvent(row);
      const eventMs = eventTimeMs(event.occurredAt) ?? folderHourMs;
      if (eventMs < options.from.getTime() || eventMs >= options.to.getTime()) return;
      const eventId = typeof event.eventId === 'string' ? event.eventId : null;
      if (eventId !== null) {
        if (seen.has(eventId)) return;
        seen.add(eventId);
      }
      const key = typeof event.userId === 'string' ? event.userId : typeof event.deviceId === 'string' ? event.deviceId : null;
      out.push({
        orderMs: eventMs,
        eventMs,
        eventType: typeof event.type === 'string' ? event.type : null,
        record: {
          topic: options.topic,
          key: key === null ? null : Buffer.from(key),
          value: Buffer.from(JSON.stringify(event)),
          headers: { [ReplayHeader.time]: replayedAt, [ReplayHeader.source]: `${basename(file)}#${index}` },
        },
      });
    });
  }
  return out;
}

/** The event JSON a Firehose raw row came from, as far as the Glue table's columns keep it. */
export function firehoseRowToEvent(row: Record<string, unknown>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const column of GLUE_TABLE_COLUMNS.raw) {
    const value = row[glueColumnName(column)];
    if (value === null || value === undefined) continue;
    if (typeof value === 'bigint') {
      event[column.field] = Number(value);
      continue;
    }
    // An epoch-millisecond occurredAt reaches the string column as its digits: send the number back.
    event[column.field] = column.field === 'occurredAt' && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return event;
}

function eventTimeMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The start of the hour folder a file is in (Firehose files raw records by arrival hour). */
function folderHour(file: string): number {
  const match = /event_date=(\d{4}-\d{2}-\d{2})[\\/]event_hour=(\d{2})[\\/]/.exec(file);
  return match ? Date.parse(`${match[1]}T${match[2]}:00:00Z`) : Number.NaN;
}
