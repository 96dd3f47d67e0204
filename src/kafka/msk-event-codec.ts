import { type KafkaRecord, type MskEvent, type MskHeader, type MskRecord, type RecordHeader, topicPartitionKey } from './msk-event.js';

export class MskEventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MskEventFormatError';
  }
}

/** Java bytes are signed: Lambda sends 0xC3 as -61. Accept both forms, reject anything else. */
function headerBytes(key: string, values: unknown): Buffer {
  if (!Array.isArray(values)) throw new MskEventFormatError(`header "${key}" is not an array of bytes`);
  const out = Buffer.allocUnsafe(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -128 || v > 255) {
      throw new MskEventFormatError(`header "${key}" has a value that is not a byte: ${String(v)}`);
    }
    out[i] = v & 0xff;
  }
  return out;
}

export function decodeHeaders(headers: readonly MskHeader[] | undefined): RecordHeader[] {
  const out: RecordHeader[] = [];
  for (const header of headers ?? []) {
    for (const [key, values] of Object.entries(header)) out.push({ key, value: headerBytes(key, values) });
  }
  return out;
}

/** Encodes a header value as Lambda does: signed Java bytes. */
export function encodeHeaderValue(value: Buffer): number[] {
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = ((value[i] as number) << 24) >> 24;
  return out;
}

function decodeBase64(field: string, value: string | null | undefined): Buffer | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new MskEventFormatError(`${field} is not a base64 string`);
  return Buffer.from(value, 'base64');
}

export function decodeRecord(record: MskRecord): KafkaRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: decodeBase64('key', record.key),
    value: decodeBase64('value', record.value),
    headers: decodeHeaders(record.headers),
  };
}

/**
 * Flattens an event into its records, partition by partition, each partition in offset order.
 * Throws MskEventFormatError when the event is not the shape Lambda sends.
 */
export function decodeMskEvent(event: MskEvent): KafkaRecord[] {
  if (event === null || typeof event !== 'object' || typeof event.records !== 'object' || event.records === null) {
    throw new MskEventFormatError('not a Kafka event: "records" is missing');
  }
  const out: KafkaRecord[] = [];
  for (const [tp, records] of Object.entries(event.records)) {
    if (!Array.isArray(records)) throw new MskEventFormatError(`records["${tp}"] is not an array`);
    for (const record of records) out.push(decodeRecord(record));
  }
  return out;
}

export function encodeRecord(record: KafkaRecord): MskRecord {
  // Field order as in Lambda's payload. Lambda omits `key` for a null key; we omit `value` for a null value too.
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    ...(record.key !== null ? { key: record.key.toString('base64') } : {}),
    ...(record.value !== null ? { value: record.value.toString('base64') } : {}),
    headers: record.headers.map((h) => ({ [h.key]: encodeHeaderValue(h.value) })),
  };
}

export interface EventSourceInfo {
  eventSource: MskEvent['eventSource'];
  eventSourceArn?: string;
  bootstrapServers: string;
}

/** Builds the event Lambda would send for these records (grouped by topic-partition, order kept). */
export function encodeMskEvent(records: readonly KafkaRecord[], source: EventSourceInfo): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const record of records) {
    const key = topicPartitionKey(record.topic, record.partition);
    const partition = grouped[key] ?? [];
    if (partition.length === 0) grouped[key] = partition;
    partition.push(encodeRecord(record));
  }
  // Same field order as Lambda's payload, so encoded events diff cleanly against captured ones.
  return {
    eventSource: source.eventSource,
    ...(source.eventSourceArn !== undefined ? { eventSourceArn: source.eventSourceArn } : {}),
    bootstrapServers: source.bootstrapServers,
    records: grouped,
  };
}

/** Size of the record as it appears in the JSON payload (used for the 6 MB invocation limit). */
export function encodedRecordSize(record: MskRecord): number {
  return Buffer.byteLength(JSON.stringify(record));
}
