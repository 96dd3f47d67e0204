/**
 * Where a mapping starts reading a partition its consumer group has never committed
 * (docs/lambda-kafka-esm.md section 2): TRIM_HORIZON from the oldest record, LATEST from the end as
 * it was when the mapping started, AT_TIMESTAMP from the first record at or after the timestamp.
 * Committed offsets always win.
 *
 * LATEST is resolved before the mapping reports itself started and then committed, so a record
 * produced after start() resolved is delivered: left to kafkajs, "latest" would be looked up at
 * the first fetch, after start() resolved, and could skip such a record.
 */
import type { Admin } from 'kafkajs';
import type { StageDefinition } from '../../src/pipeline/definition.js';

/** Start offset per partition without a committed offset; empty when kafkajs's own default is right. */
export type StartOffsets = ReadonlyMap<number, number>;

export async function resolveStartOffsets(admin: Admin, stage: StageDefinition): Promise<StartOffsets> {
  const { startingPosition: position, inputTopic: topic } = stage;
  if (position === 'TRIM_HORIZON') return new Map();
  const [committed] = await admin.fetchOffsets({ groupId: stage.consumerGroupId, topics: [topic] });
  const uncommitted = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
  if (uncommitted.size === 0) return new Map();
  const targets =
    position === 'LATEST'
      ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }))
      : // kafkajs answers the high watermark for a partition with nothing at or after the timestamp.
        await admin.fetchTopicOffsetsByTimestamp(topic, (stage.startingPositionTimestamp ?? 0) * 1000);
  return new Map(targets.filter((t) => uncommitted.has(t.partition)).map((t) => [t.partition, Number(t.offset)]));
}
