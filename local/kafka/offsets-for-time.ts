/**
 * Where a consumer group moves for a point in time, per partition: the first record stamped at or
 * after it (what Kafka's ListOffsets by time answers), or the end of the partition when there is
 * none. librdkafka's mock cluster answers every ListOffsets by time with the end of the log, so on
 * the embedded Kafka the partitions are read instead, by a throwaway group that commits nothing.
 */
import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from './read-topic.js';

/** Seek targets other than a time (epoch ms). */
export const SeekTo = { earliest: -2, latest: -1 } as const;

export interface PartitionTarget {
  readonly partition: number;
  /** The next offset the group reads. */
  readonly offset: number;
  /** The partition's end offset when the target was resolved: offset === end means nothing is ahead. */
  readonly end: number;
}

export interface OffsetsForTimeOptions {
  /** Read the records instead of asking the broker (the embedded Kafka's mock cluster). */
  readonly readRecords: boolean;
  readonly timeoutMs?: number;
}

/** Offsets of each partition of `topic` for `to`: epoch ms, SeekTo.earliest or SeekTo.latest. Sorted by partition. */
export async function offsetsForTime(kafka: Kafka, topic: string, to: number, options: OffsetsForTimeOptions): Promise<PartitionTarget[]> {
  const admin = kafka.admin();
  await admin.connect();
  let bounds: { partition: number; low: number; high: number }[];
  let offsets: Map<number, number>;
  try {
    bounds = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
    if (to === SeekTo.earliest) offsets = new Map(bounds.map((b) => [b.partition, b.low]));
    else if (to === SeekTo.latest) offsets = new Map(bounds.map((b) => [b.partition, b.high]));
    else if (!options.readRecords) {
      offsets = new Map((await admin.fetchTopicOffsetsByTimestamp(topic, to)).map((p) => [p.partition, Number(p.offset)]));
    } else offsets = await readForTime(kafka, topic, bounds, to, options.timeoutMs ?? 120_000);
  } finally {
    await admin.disconnect();
  }
  return bounds
    .map((b) => {
      const offset = offsets.get(b.partition) ?? b.high;
      return { partition: b.partition, offset, end: Math.max(b.high, offset) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Each partition's first record stamped at or after `to` within its bounds, or its end. Reads the
 * partitions whole with the project's topic reader: the mock cluster keeps a few MB per partition.
 */
async function readForTime(
  kafka: Kafka,
  topic: string,
  bounds: readonly { partition: number; high: number }[],
  to: number,
  timeoutMs: number,
): Promise<Map<number, number>> {
  const found = new Map(bounds.map((b) => [b.partition, b.high]));
  for (const message of await readTopicToEnd(kafka, topic, timeoutMs)) {
    const offset = Number(message.offset);
    const current = found.get(message.partition);
    if (current !== undefined && offset < current && Number(message.timestamp) >= to) found.set(message.partition, offset);
  }
  return found;
}
