/** Reads a topic from the beginning up to its end as it was when the read began (DLQ inspection, tests). */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export type TopicMessage = KafkaMessage & { partition: number };

export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];

  const messages: TopicMessage[] = [];
  // A throwaway group that commits nothing: reading leaves no trace.
  const consumer = kafka.consumer({ groupId: `tributary-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) < end) messages.push({ ...message, partition: batch.partition });
            }
            const last = batch.messages.at(-1);
            if (last && BigInt(last.offset) + 1n >= end) ends.delete(batch.partition);
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
  return messages;
}
