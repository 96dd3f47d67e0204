/**
 * Where a mapping starts reading a partition its consumer group has never committed
 * (docs/lambda-kafka-esm.md section 2): TRIM_HORIZON from the oldest record, LATEST from the end as
 * it was when the mapping started, AT_TIMESTAMP from the first record at or after the timestamp.
 * Committed offsets always win.
 *
 * LATEST is resolved before the mapping reports itself started, then sought to and committed on the
 * first join, so a record produced after start() resolved is delivered: left to kafkajs, "latest"
 * would be looked up at the first fetch, after start() resolved, and could skip such a record.
 *
 * AT_TIMESTAMP: librdkafka's mock cluster answers every ListOffsets by time with the end of the
 * log, so the twin does not ask the broker (kafkajs's fetchTopicOffsetsByTimestamp). It reads such
 * a partition from its oldest record and skips, committing past them, the records before the first
 * one stamped at or after the timestamp: the offset Kafka's ListOffsets by time would give.
 */
import type { Admin } from 'kafkajs';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { MappedStageDefinition } from '../../src/pipeline/definition.js';

export interface StartPlan {
  /** LATEST: offset to seek to and commit on the first join, per partition without a committed offset. */
  readonly seek: ReadonlyMap<number, number>;
  /** AT_TIMESTAMP: partitions without a committed offset, read from the oldest record until the timestamp. */
  readonly skipBefore?: { readonly partitions: ReadonlySet<number>; readonly timestampMs: number };
}

const NOTHING: StartPlan = { seek: new Map() };

export async function planStart(admin: Admin, stage: MappedStageDefinition): Promise<StartPlan> {
  const { startingPosition: position, inputTopic: topic } = stage;
  if (position === 'TRIM_HORIZON') return NOTHING;
  const [committed] = await admin.fetchOffsets({ groupId: stage.consumerGroupId, topics: [topic] });
  const uncommitted = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
  if (uncommitted.size === 0) return NOTHING;
  if (position === 'AT_TIMESTAMP') {
    return { seek: new Map(), skipBefore: { partitions: uncommitted, timestampMs: (stage.startingPositionTimestamp ?? 0) * 1000 } };
  }
  const ends = await admin.fetchTopicOffsets(topic);
  return { seek: new Map(ends.filter((t) => uncommitted.has(t.partition)).map((t) => [t.partition, Number(t.high)])) };
}

/** Drops the records an AT_TIMESTAMP start skips; a partition delivers everything from its first record at or after the time. */
export class TimestampStart {
  private readonly waiting: Set<number>;

  constructor(
    partitions: ReadonlySet<number>,
    private readonly timestampMs: number,
  ) {
    this.waiting = new Set(partitions);
  }

  /** The partition was moved elsewhere (seek): it delivers everything from there. */
  forget(partition: number): void {
    this.waiting.delete(partition);
  }

  /** The records to deliver, and the offset to commit for those skipped (undefined when none were). */
  filter(partition: number, records: readonly KafkaRecord[]): { deliver: readonly KafkaRecord[]; skippedUpTo?: number } {
    if (!this.waiting.has(partition)) return { deliver: records };
    const first = records.findIndex((r) => r.timestamp >= this.timestampMs);
    if (first >= 0) this.waiting.delete(partition);
    const deliver = first >= 0 ? records.slice(first) : [];
    const skipped = first >= 0 ? records.slice(0, first) : records;
    const last = skipped[skipped.length - 1];
    return last ? { deliver, skippedUpTo: last.offset + 1 } : { deliver };
  }
}
