/**
 * One record set aside, read back from the DLQ (a stage's copy with the reason in headers) or from
 * the failure destination (the mapping's envelope around a record whose retries ran out), in one
 * shape: where it sits, why, which stage, where it came from, and the original key, value, headers.
 */
import { DlqHeader, isDlqHeader } from '../../src/kafka/header-names.js';
import { headersOf } from '../../src/kafka/kafkajs-wire-order-headers.js';
import type { RecordHeader } from '../../src/kafka/msk-event.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { type PipelineDefinition, stageForTopic } from '../../src/pipeline/definition.js';
import type { FailureEnvelope } from '../event-source-mapping/failure-envelope.js';
import type { TopicMessage } from '../kafka/read-topic.js';

/** Which topic the entry was read from. */
export type DlqSource = 'dlq' | 'failures';

export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface DlqEntry {
  readonly from: DlqSource;
  /** Position in the DLQ or failure topic. */
  readonly partition: number;
  readonly offset: number;
  /** When the record was set aside (epoch ms). */
  readonly time: number;
  /** The stage that set it aside, when known. */
  readonly stage?: string;
  /** DLQ reason code, or the failure condition (RetriesExhausted, MaximumPayloadSizeExceeded). */
  readonly reason: string;
  readonly detail?: string;
  /** Where the record was when it was set aside. */
  readonly source?: SourcePosition;
  /** The original record. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original headers (DLQ headers removed). */
  readonly headers: readonly RecordHeader[];
  /** The event id in the original value, when it is a JSON object with one. */
  readonly eventId?: string;
  /** The failure destination's envelope, as written. */
  readonly envelope?: FailureEnvelope;
}

/** Reason given to a failure-topic message that is not an envelope. */
export const UNREADABLE_ENVELOPE = 'UnreadableEnvelope';

/** Largest value searched for an event id (raw events are at most 32 KiB; anything larger is not one). */
const EVENT_ID_SCAN_BYTES = 64 * 1024;

/** The event id of a JSON event, when the value is one. */
export function eventIdOf(value: Buffer | null): string | undefined {
  if (value === null || value.length === 0 || value.length > EVENT_ID_SCAN_BYTES) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const id = (parsed as Record<string, unknown>).eventId;
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function header(headers: readonly RecordHeader[], name: string): string | undefined {
  return headers.find((h) => h.key === name)?.value?.toString('utf8');
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

function timeOf(iso: string | undefined, fallback: number): number {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(ms) ? fallback : ms;
}

/** A message of the DLQ topic. */
export function parseDlqMessage(message: TopicMessage): DlqEntry {
  const all = headersOf(message.headers);
  const sourceTopic = header(all, DlqHeader.topic);
  const sourcePartition = integer(header(all, DlqHeader.partition));
  const sourceOffset = integer(header(all, DlqHeader.offset));
  const value = message.value ?? null;
  const stage = header(all, DlqHeader.stage);
  const detail = header(all, DlqHeader.detail);
  const eventId = eventIdOf(value);
  return {
    from: 'dlq',
    partition: message.partition,
    offset: Number(message.offset),
    time: timeOf(header(all, DlqHeader.time), Number(message.timestamp)),
    reason: header(all, DlqHeader.reason) ?? 'UNKNOWN',
    ...(stage !== undefined ? { stage } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(sourceTopic !== undefined && sourcePartition !== undefined && sourceOffset !== undefined
      ? { source: { topic: sourceTopic, partition: sourcePartition, offset: sourceOffset } }
      : {}),
    key: message.key ?? null,
    value,
    headers: all.filter((h) => !isDlqHeader(h.key)),
    ...(eventId !== undefined ? { eventId } : {}),
  };
}

function isEnvelope(value: unknown): value is FailureEnvelope {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<FailureEnvelope>;
  return typeof v.requestContext?.condition === 'string' && typeof v.KafkaBatchInfo === 'object' && v.KafkaBatchInfo !== null;
}

/** For an SQS-format batch envelope (offsets only): "; records t-0 5..9, t-1 7..7" to find them in the topic. */
function batchRanges(envelope: FailureEnvelope): string {
  const info = (envelope.KafkaBatchInfo as { recordsInfo?: unknown }).recordsInfo;
  if (info === null || typeof info !== 'object') return '';
  const ranges = Object.entries(info as Record<string, { firstRecordOffset?: unknown; lastRecordOffset?: unknown }>).map(
    ([key, r]) => `${key} ${String(r?.firstRecordOffset)}..${String(r?.lastRecordOffset)}`,
  );
  return ranges.length > 0 ? `; records ${ranges.join(', ')}` : '';
}

/** A message of the failure destination topic. */
export function parseFailureMessage(message: TopicMessage, pipeline: PipelineDefinition): DlqEntry {
  const kafkaTime = Number(message.timestamp);
  const base = { from: 'failures' as const, partition: message.partition, offset: Number(message.offset), key: message.key ?? null };
  let envelope: unknown;
  try {
    envelope = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    envelope = undefined;
  }
  if (!isEnvelope(envelope)) {
    return {
      ...base,
      time: kafkaTime,
      reason: UNREADABLE_ENVELOPE,
      detail: 'not a failure destination envelope',
      value: message.value ?? null,
      headers: [],
    };
  }
  let record: ReturnType<typeof decodeMskEvent>[number] | undefined;
  try {
    record = envelope.payload ? decodeMskEvent(envelope.payload)[0] : undefined;
  } catch {
    record = undefined;
  }
  const stage = record ? stageForTopic(pipeline, record.topic)?.name : undefined;
  const functionError = envelope.responseContext?.functionError;
  const value = record?.value ?? null;
  const eventId = eventIdOf(value);
  return {
    ...base,
    time: timeOf(envelope.timestamp, kafkaTime),
    reason: envelope.requestContext.condition,
    detail: `${envelope.requestContext.approximateInvokeCount} invocations${functionError ? `, ${functionError}` : ''}${record ? '' : `, no payload${batchRanges(envelope)}`}`,
    ...(stage !== undefined ? { stage } : {}),
    ...(record ? { source: { topic: record.topic, partition: record.partition, offset: record.offset } } : {}),
    key: record?.key ?? base.key,
    value,
    headers: record?.headers ?? [],
    ...(eventId !== undefined ? { eventId } : {}),
    envelope,
  };
}
