/**
 * Sets a consumer group's committed offsets by joining the group and committing them. Kafka's
 * admin way (kafkajs setOffsets) first describes the group, which librdkafka's mock cluster does
 * not answer; a member's commit is what every cluster takes. The group must have no other
 * members (the stage's mapping is stopped first), or the commit is refused by the coordinator.
 */
import type { Kafka } from 'kafkajs';

export async function commitGroupOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partitions: readonly { partition: number; offset: string }[],
  timeoutMs = 60_000,
): Promise<void> {
  // A short session: should its leave go unnoticed, the stage rejoining waits seconds for it to expire, not the default 30.
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 6_000,
    rebalanceTimeout: 6_000,
    heartbeatInterval: 1_000,
  });
  await consumer.connect();
  try {
    let timer: NodeJS.Timeout | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      timer = setTimeout(() => reject(new Error(`joining ${groupId} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    // Nothing is processed: a batch that arrives before the commit is left unresolved and fetching paused.
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ pause }) => {
        pause();
      },
    });
    try {
      await joined;
    } finally {
      clearTimeout(timer);
    }
    await consumer.commitOffsets(partitions.map(({ partition, offset }) => ({ topic, partition, offset })));
  } finally {
    await consumer.disconnect();
  }
}
