/**
 * Reads topics from the beginning up to their ends as they were when the read began (DLQ
 * inspection, the verifier, tests). Several topics share ONE throwaway consumer: one group join
 * instead of one per topic, which matters on the mock cluster where a first join takes seconds.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export type TopicMessage = KafkaMessage & { partition: number };

/** The messages of one topic, each partition in offset order. */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  return (await readTopicsToEnd(kafka, [topic], timeoutMs)).get(topic) ?? [];
}

/** Messages of each topic, each partition in offset order. */
export async function readTopicsToEnd(kafka: Kafka, topics: readonly string[], timeoutMs = 120_000): Promise<Map<string, TopicMessage[]>> {
  const out = new Map<string, TopicMessage[]>(topics.map((t) => [t, []]));
  const ends = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > BigInt(low)) ends.set(`${topic}\u0000${partition}`, BigInt(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return out;

  // A group that commits nothing: reading leaves no trace.
  const consumer = kafka.consumer({
    groupId: `tributary-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topics.join(', ')} did not reach the end within ${timeoutMs} ms (${ends.size} partitions left)`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}\u0000${batch.partition}`;
            const end = ends.get(key);
            if (end === undefined) return;
            const messages = out.get(batch.topic) as TopicMessage[];
            for (const message of batch.messages) {
              if (BigInt(message.offset) < end) messages.push({ ...message, partition: batch.partition });
            }
            const last = batch.messages.at(-1);
            if (last && BigInt(last.offset) + 1n >= end) ends.delete(key);
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
