/**
 * A consumer group member whose partitions' leaders all move at once joins the group again once,
 * not once per broker it fetched from (local/kafka/single-flight-join.ts, installed by createTwinKafka). Without it, kafkajs sent
 * 5 to 7 JoinGroup requests here and the group took that many elections to settle.
 */
import { type Consumer, logLevel, Partitioners } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { createTwinKafka } from '../../local/kafka/twin-kafka.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const PARTITIONS = 3;

it('joins the group once after every partition leader moved, and goes on consuming', async () => {
  const topic = uniqueName('moves');
  const embedded = await startEmbeddedKafka({ topics: [{ name: topic, partitions: PARTITIONS }] });
  cleanup.push(() => embedded.stop());
  for (let p = 0; p < PARTITIONS; p++) embedded.setPartitionLeader(topic, p, p + 1);
  // The NOT_LEADER errors the move causes are expected: keep kafkajs quiet about them.
  const kafka = createTwinKafka(
    { brokers: embedded.brokers, auth: { type: 'none' }, clientId: uniqueName('moves') },
    { logLevel: logLevel.NOTHING },
  );

  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  const send = (from: number, to: number) =>
    producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: to - from }, (_, i) => ({ partition: (from + i) % PARTITIONS, value: String(from + i) })),
    });

  // The mock cluster waits session timeout - 1 s before each election: keep it short.
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueName('moves'),
    sessionTimeout: 3_000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 50,
  });
  let joinRequests = 0;
  consumer.on(consumer.events.REQUEST, ({ payload }) => {
    if (payload.apiName === 'JoinGroup') joinRequests++;
  });
  const seen = new Set<string>();
  await consumer.connect();
  cleanup.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value?.toString() ?? '') });

  await send(0, 30);
  await waitFor('the first 30 messages', () => seen.size === 30);
  const joinsBefore = joinRequests;

  // Every partition moves to another broker: each broker's fetcher now meets NOT_LEADER_FOR_PARTITION.
  for (let p = 0; p < PARTITIONS; p++) embedded.setPartitionLeader(topic, p, ((p + 1) % PARTITIONS) + 1);
  await send(30, 60);
  await waitFor('the next 30 messages', () => seen.size === 60, 60_000);
  // Let any join still queued behind the first one reach the coordinator.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  expect(joinRequests - joinsBefore).toBe(1);
  expect(seen.size).toBe(60);
}, 120_000);
