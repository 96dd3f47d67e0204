import { type KafkaRecord, type MskEvent, type MskHeader, type MskRecord, type RecordHeader, topicPartitionKey } from './msk-event.js';

export class MskEventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MskEventFormatError';
  }
}

/**
 * Java bytes are signed: Lambda sends 0xC3 as -61. Accept both forms, reject anything else. A null
 * value is a null header value (docs/kafka-records.md).
 */
function headerBytes(key: string, values: unknown): Buffer | null {
  if (values === null) return null;
  if (!Array.isArray(values)) throw new MskEventFormatError(`header "${key}" is not an array of bytes or null`);
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

/** Encodes a header value as Lambda does: signed Java bytes; null stays null (docs/kafka-records.md). */
export function encodeHeaderValue(value: Buffer): number[];
export function encodeHeaderValue(value: Buffer | null): number[] | null;
export function encodeHeaderValue(value: Buffer | null): number[] | null {
  if (value === null) return null;
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

/*
 * Why not @aws-lambda-powertools/kafka (kafkaConsumer, 2.35.0) here: measured with bench/measure/msk-decode.ts
 * on 1,000-record batches (JSON values of ~360 B, four headers, six partitions), median of 5 runs,
 * this decoder took 4.3-5.6 us/record and kafkaConsumer 33-38 us/record with string values,
 * 22-38 us/record with JSON values: several times slower, not within 10%. It is not byte-faithful
 * either: keys and header values come back as UTF-8 strings (lossy for other bytes), a null header
 * value throws (Buffer.from(null)), and values that are not JSON are logged and returned as text.
 */

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

// The fixed characters of JSON.stringify(encodeRecord(record)), in its field order.
const RECORD_FRAME = '{"topic":,"partition":,"offset":,"timestamp":,"timestampType":,"headers":[]}'.length;
const KEY_FRAME = ',"key":""'.length;
const VALUE_FRAME = ',"value":""'.length;
const HEADER_FRAME = '{:[]}'.length;
const NULL_HEADER_FRAME = '{:null}'.length;

/** Characters of base64 (padded) for n bytes. */
const base64Length = (n: number): number => 4 * Math.ceil(n / 3);

const jsonStringBytes = (s: string): number => Buffer.byteLength(JSON.stringify(s));

/** JSON writes a finite number as String() does, anything else as null. */
const jsonNumberLength = (n: number): number => (Number.isFinite(n) ? String(n).length : 4);

/** Characters of a byte written as a signed Java byte (encodeHeaderValue): 0..127, then -128..-1. */
function signedByteLength(byte: number): number {
  if (byte < 10) return 1;
  if (byte < 100) return 2;
  if (byte < 128) return 3;
  if (byte >= 247) return 2; // -9..-1
  if (byte >= 157) return 3; // -99..-10
  return 4; // -128..-100
}

/**
 * Bytes of JSON.stringify(encodeRecord(record)), the record's share of the invocation payload (6 MB
 * limit), counted without building the base64 strings and header arrays.
 */
export function encodedRecordSize(record: KafkaRecord): number {
  let size =
    RECORD_FRAME +
    jsonStringBytes(record.topic) +
    jsonNumberLength(record.partition) +
    jsonNumberLength(record.offset) +
    jsonNumberLength(record.timestamp) +
    jsonStringBytes(record.timestampType);
  if (record.key !== null) size += KEY_FRAME + base64Length(record.key.length);
  if (record.value !== null) size += VALUE_FRAME + base64Length(record.value.length);
  const { headers } = record;
  if (headers.length > 0) size += headers.length - 1; // commas between headers
  for (const { key, value } of headers) {
    if (value === null) {
      size += NULL_HEADER_FRAME + jsonStringBytes(key);
      continue;
    }
    size += HEADER_FRAME + jsonStringBytes(key) + Math.max(0, value.length - 1);
    for (let i = 0; i < value.length; i++) size += signedByteLength(value[i] as number);
  }
  return size;
}
