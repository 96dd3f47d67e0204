/**
 * One archived Kafka record: where it came from (topic, partition, offset, timestamp), its key,
 * value and headers byte for byte (so replay can resend it as it was), and the event fields read
 * from its value. Raw records may be anything (that is why they are kept): fields that cannot be
 * read are null, and such a record is filed under the hour its Kafka timestamp falls in.
 */
import type { ArchivedTopicRole } from '../../src/pipeline/archive-definition.js';

export interface ArchiveHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface ArchiveInputRecord {
  readonly partition: number;
  readonly offset: string;
  /** Kafka timestamp, epoch ms. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly ArchiveHeader[];
}

export interface ArchiveRow {
  topic: string;
  partition: number;
  offset: bigint;
  kafkaTimestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  /** JSON: [[name, base64 value or null], ...] in the record's order. */
  headers: string;
  eventId: string | null;
  eventType: string | null;
  /** Event time (epoch ms) when the value has one; else the Kafka timestamp. Sets the partition. */
  eventTimeMs: number;
  receivedAtMs: number | null;
  userId: string | null;
  sessionId: string | null;
  deviceId: string | null;
  sku: string | null;
  productName: string | null;
  category: string | null;
  quantity: number | null;
  valueUsd: number | null;
  revenueUsd: number | null;
  country: string | null;
  deviceClass: string | null;
  browser: string | null;
  os: string | null;
  isBot: boolean | null;
  /** Bytes the record adds to a buffer (as Firehose counts: the record's data). */
  sizeBytes: number;
}

type Json = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function timeMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function parseObject(value: Buffer | null): Json | null {
  if (value === null || value.length === 0) return null;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : null;
  } catch {
    return null;
  }
}

export function encodeHeaders(headers: readonly ArchiveHeader[]): string {
  return JSON.stringify(headers.map((h) => [h.key, h.value === null ? null : h.value.toString('base64')]));
}

export function decodeHeaders(json: string): ArchiveHeader[] {
  const parsed = JSON.parse(json) as [string, string | null][];
  return parsed.map(([key, value]) => ({ key, value: value === null ? null : Buffer.from(value, 'base64') }));
}

/** The row archived for a record of the raw or enriched topic. */
export function toArchiveRow(role: ArchivedTopicRole, topic: string, record: ArchiveInputRecord): ArchiveRow {
  const body = parseObject(record.value);
  const enrichment =
    role === 'enriched' && body && typeof body.enrichment === 'object' && body.enrichment !== null ? (body.enrichment as Json) : null;
  const field = (name: string) => (enrichment ? body?.[name] : undefined);
  const from = (name: string) => (enrichment ? enrichment[name] : undefined);
  const quantity = num(field('quantity')) ?? num(field('itemCount'));
  return {
    topic,
    partition: record.partition,
    offset: BigInt(record.offset),
    kafkaTimestampMs: record.timestamp,
    key: record.key,
    value: record.value,
    headers: encodeHeaders(record.headers),
    eventId: text(body?.eventId),
    eventType: text(body?.type),
    eventTimeMs: timeMs(body?.occurredAt) ?? record.timestamp,
    receivedAtMs: timeMs(field('receivedAt')),
    userId: text(field('userId')),
    sessionId: text(field('sessionId')),
    deviceId: text(field('deviceId')),
    sku: text(field('sku')),
    productName: text(from('productName')),
    category: text(from('category')),
    quantity: quantity === null ? null : Math.trunc(quantity),
    valueUsd: num(from('valueUsd')),
    revenueUsd: num(from('revenueUsd')),
    country: text(from('country')),
    deviceClass: text(from('deviceClass')),
    browser: text(from('browser')),
    os: text(from('os')),
    isBot: typeof from('isBot') === 'boolean' ? (from('isBot') as boolean) : null,
    sizeBytes: (record.value?.length ?? 0) + (record.key?.length ?? 0),
  };
}
