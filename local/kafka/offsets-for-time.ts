/**
 * Where a consumer group moves for a point in time, per partition: the first record stamped at or
 * after it (what Kafka's ListOffsets by time answers), or the end of the partition when there is
 * none. librdkafka's mock cluster answers every ListOffsets by time with the end of the log, so on
 * the embedded Kafka the partitions are read instead, by a throwaway group that commits nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

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

/** Reads each partition up to its first record stamped at or after `to`, or to its end. */
async function readForTime(
  kafka: Kafka,
  topic: string,
  bounds: readonly { partition: number; low: number; high: number }[],
  to: number,
  timeoutMs: number,
): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const ends = new Map<number, number>();
  for (const b of bounds) {
    if (b.high > b.low) ends.set(b.partition, b.high);
    else found.set(b.partition, b.high);
  }
  if (ends.size === 0) return found;
  const consumer = kafka.consumer({
    groupId: `tributary-seek-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} for the offsets at a time did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const settle = (partition: number, offset: number): void => {
        if (!ends.delete(partition)) return;
        found.set(partition, offset);
        if (ends.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            if (end === undefined) return;
            const first = batch.messages.find((m) => Number(m.offset) < end && Number(m.timestamp) >= to);
            if (first) return settle(batch.partition, Number(first.offset));
            if (Number(batch.lastOffset()) + 1 >= end) settle(batch.partition, end);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
