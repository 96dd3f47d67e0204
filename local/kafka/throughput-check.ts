/**
 * Measures the embedded Kafka with kafkajs: cluster start-up time, then N small messages produced
 * while a consumer group reads them, then the same messages read again by a fresh group.
 *
 *   npx tsx local/kafka/throughput-check.ts [--messages 100000] [--bytes 100] [--partitions 6] [--brokers 3]
 */
import { parseArgs } from 'node:util';
import { type Consumer, type Kafka, logLevel, Partitioners } from 'kafkajs';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { startEmbeddedKafka } from './embedded-kafka.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    bytes: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '6' },
    brokers: { type: 'string', default: '3' },
  },
});
const count = positiveInt('messages', values.messages);
const bytes = positiveInt('bytes', values.bytes);
const partitions = positiveInt('partitions', values.partitions);
const brokers = positiveInt('brokers', values.brokers);
const SEND_BATCH = 1_000;
const IN_FLIGHT = 4;
const topic = 'throughput';

const startAt = performance.now();
const embedded = await startEmbeddedKafka({ brokers, topics: [{ name: topic, partitions }] });
const startupMs = performance.now() - startAt;
const kafka = createKafka(
  { brokers: embedded.brokers, auth: { type: 'none' }, clientId: 'throughput-check' },
  { logLevel: logLevel.ERROR },
);

try {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // Phase 1: produce while a joined group consumes.
  const live = await joinedConsumer(kafka, 'throughput-live');
  const payload = 'x'.repeat(bytes);
  const produceStart = performance.now();
  let producedAt = 0;
  const producing = (async () => {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + SEND_BATCH);
        const messages = [];
        for (let i = from; i < next; i++) messages.push({ key: String(i), value: payload });
        await producer.send({ topic, acks: -1, messages });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    producedAt = performance.now();
  })();
  await live.received(count);
  const liveDoneAt = performance.now();
  await producing;
  await live.consumer.disconnect();

  // Phase 2: a new group reads everything back (the group join is not counted).
  const replay = await joinedConsumer(kafka, 'throughput-replay');
  const replayStart = performance.now();
  await replay.received(count);
  const replayMs = performance.now() - replayStart;
  await replay.consumer.disconnect();
  await producer.disconnect();

  const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} msg/s`;
  console.log(
    `librdkafka ${embedded.librdkafkaVersion} mock cluster: ${brokers} brokers, ${partitions} partitions, ${count} messages of ${bytes} bytes`,
  );
  console.log(`cluster start-up (with topic):  ${startupMs.toFixed(1)} ms`);
  console.log(`produce (acks=all, ${SEND_BATCH}/send, ${IN_FLIGHT} in flight): ${rate(count, producedAt - produceStart)}`);
  console.log(
    `produce + consume, concurrent:  ${rate(count, liveDoneAt - produceStart)} (last message consumed after ${Math.round(liveDoneAt - produceStart)} ms)`,
  );
  console.log(`consume only (fresh group):     ${rate(count, replayMs)}`);
} finally {
  await embedded.stop();
}

/** A consumer that has joined its group (the mock cluster delays a first join by ~3 s). */
async function joinedConsumer(kafka: Kafka, groupId: string): Promise<{ consumer: Consumer; received(n: number): Promise<void> }> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  let seen = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (waiter && seen >= waiter.n) waiter.resolve();
    },
  });
  await joined;
  return {
    consumer,
    received: (n) =>
      new Promise<void>((resolve, reject) => {
        if (seen >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`${groupId} received ${seen} of ${n} messages in 120 s`)), 120_000);
        waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      }),
  };
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got "${value}"`);
    process.exit(2);
  }
  return n;
}
