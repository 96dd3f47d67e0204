import { spawnSync } from 'node:child_process';
import { type Consumer, type Kafka, type logCreator, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedKafka, KafkaApiKey, KafkaErrorCode, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { EmbeddedKafkaError, LibrdkafkaMissingError } from '../../local/kafka/errors.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Captured {
  level: logLevel;
  message: string;
  error: string;
  broker: string;
}

async function cluster(options: Parameters<typeof startEmbeddedKafka>[0]): Promise<EmbeddedKafka> {
  const kafka = await startEmbeddedKafka(options);
  cleanup.push(() => kafka.stop());
  return kafka;
}

/** A kafkajs client from the project's factory, recording what it logs at WARN and above. */
function client(kafka: EmbeddedKafka, logs: Captured[] = []): Kafka {
  const capture: logCreator = () => (entry) => {
    logs.push({
      level: entry.level,
      message: entry.log.message,
      error: String(entry.log.error ?? ''),
      broker: String(entry.log.broker ?? ''),
    });
  };
  return createKafka(
    { brokers: kafka.brokers, auth: { type: 'none' }, clientId: uniqueName('test') },
    { logCreator: capture, logLevel: logLevel.WARN },
  );
}

async function producer(kafka: Kafka, retries?: number): Promise<Producer> {
  const p = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(retries === undefined ? {} : { retry: { retries, initialRetryTime: 50 } }),
  });
  await p.connect();
  cleanup.push(() => p.disconnect());
  return p;
}

/**
 * A group consumer that records every value it is handed. The mock cluster delays a re-join by the
 * session timeout minus one second and answers an empty fetch after maxWaitTime: keep both short.
 */
async function consume(kafka: Kafka, topic: string, groupId: string, seen: string[]): Promise<Consumer> {
  const c = kafka.consumer({ groupId, sessionTimeout: 3_000, heartbeatInterval: 300, maxWaitTimeInMs: 250 });
  await c.connect();
  cleanup.push(() => c.disconnect());
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({
    eachMessage: async ({ message }) => {
      seen.push(message.value?.toString() ?? '');
    },
  });
  return c;
}

async function produceNumbered(p: Producer, topic: string, from: number, to: number, partitions: number): Promise<void> {
  const messages = [];
  for (let i = from; i < to; i++) messages.push({ partition: i % partitions, value: String(i) });
  await p.send({ topic, acks: -1, messages });
}

describe('embedded Kafka', () => {
  it('serves produce, fetch and a consumer group across 3 brokers and 6 partitions; a re-joining group resumes from its committed offsets', async () => {
    const topic = uniqueName('orders');
    const groupId = uniqueName('group');
    const embedded = await cluster({ topics: [{ name: topic, partitions: 6 }] });
    expect(embedded.brokers).toHaveLength(3);
    expect(embedded.bootstrapServers.split(',')).toEqual(embedded.brokers);

    // Spread leadership explicitly so every broker serves two partitions.
    for (let p = 0; p < 6; p++) embedded.setPartitionLeader(topic, p, (p % 3) + 1);
    const kafka = client(embedded);
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions.map((p) => [p.partitionId, p.leader, p.replicas.length]).sort()).toEqual([
      [0, 1, 3],
      [1, 2, 3],
      [2, 3, 3],
      [3, 1, 3],
      [4, 2, 3],
      [5, 3, 3],
    ]);

    const p = await producer(kafka);
    await produceNumbered(p, topic, 0, 600, 6);
    const first: string[] = [];
    const consumer = await consume(kafka, topic, groupId, first);
    await waitFor('600 messages', () => first.length >= 600);
    // Committed offsets must reach the end of every partition (100 messages each).
    await waitFor('offsets committed', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions.every((o) => o.offset === '100') ?? false;
    });
    await consumer.disconnect();
    expect(new Set(first).size).toBe(600);

    await produceNumbered(p, topic, 600, 1000, 6);
    const second: string[] = [];
    await consume(kafka, topic, groupId, second);
    await waitFor('400 new messages', () => second.length >= 400);
    // fromBeginning is ignored once the group has offsets: only the new messages arrive.
    expect(second.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => 600 + i));
  });

  it('loses no acknowledged message when a broker goes down and comes back mid-run', async () => {
    const topic = uniqueName('relay');
    const total = 20_000;
    const embedded = await cluster({ topics: [{ name: topic, partitions: 6 }] });
    for (let p = 0; p < 6; p++) embedded.setPartitionLeader(topic, p, (p % 3) + 1);
    const logs: Captured[] = [];
    const kafka = client(embedded, logs);
    const seen: string[] = [];
    await consume(kafka, topic, uniqueName('group'), seen);
    const p = await producer(kafka);

    let acknowledged = 0;
    const producing = (async () => {
      for (let from = 0; from < total; from += 100) {
        await produceNumbered(p, topic, from, from + 100, 6);
        acknowledged += 100;
      }
    })();
    await waitFor('a quarter acknowledged', () => acknowledged >= total / 4);
    const downBroker = embedded.brokers[1] ?? '';
    embedded.brokerDown(2);
    await waitFor('a client to be refused by broker 2', () => logs.some((l) => l.level === logLevel.ERROR && l.broker === downBroker));
    expect(acknowledged).toBeLessThan(total);
    embedded.brokerUp(2);
    await producing;
    expect(acknowledged).toBe(total);
    await waitFor('every message consumed', () => new Set(seen).size >= total, 60_000);

    const distinct = new Set(seen);
    expect(distinct.size).toBe(total);
    for (let i = 0; i < total; i++) expect(distinct.has(String(i))).toBe(true);
  });

  it('makes injected request errors visible to clients: retried when the budget allows, a failure when not', async () => {
    const topic = uniqueName('faults');
    const embedded = await cluster({ topics: [{ name: topic, partitions: 1 }] });
    const logs: Captured[] = [];
    const kafka = client(embedded, logs);

    const patient = await producer(kafka, 5);
    embedded.pushRequestErrors(KafkaApiKey.Produce, [KafkaErrorCode.NotLeaderForPartition, KafkaErrorCode.NotLeaderForPartition]);
    const [result] = await patient.send({ topic, acks: -1, messages: [{ value: 'after two errors' }] });
    expect(result?.errorCode).toBe(0);
    expect(logs.filter((l) => l.error.includes('not the leader')).length).toBeGreaterThanOrEqual(2);

    const impatient = await producer(kafka, 1);
    embedded.pushRequestErrors(KafkaApiKey.Produce, Array(5).fill(KafkaErrorCode.NotEnoughReplicas));
    await expect(impatient.send({ topic, acks: -1, messages: [{ value: 'never stored' }] })).rejects.toThrow(/replicas/i);
    embedded.clearRequestErrors(KafkaApiKey.Produce);
    await impatient.send({ topic, acks: -1, messages: [{ value: 'after clearing' }] });

    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets?.high).toBe('2'); // the failed send stored nothing
  });

  it('delays responses of a broker by the latency set on it', async () => {
    const topic = uniqueName('slow');
    const embedded = await cluster({ topics: [{ name: topic, partitions: 1 }] });
    embedded.setPartitionLeader(topic, 0, 3);
    const p = await producer(client(embedded));
    await p.send({ topic, acks: -1, messages: [{ value: 'warm-up' }] });

    embedded.setBrokerLatency(3, 400);
    const started = performance.now();
    await p.send({ topic, acks: -1, messages: [{ value: 'slow' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
    embedded.setBrokerLatency(3, 0);
  });

  it('rejects bad options with one clear message and refuses calls once stopped', async () => {
    await expect(startEmbeddedKafka({ brokers: 0 })).rejects.toThrow(/brokers must be an integer from 1 to 32, got 0/);
    await expect(startEmbeddedKafka({ topics: [{ name: 't', partitions: 0 }] })).rejects.toThrow(
      /topic "t": partitions must be an integer from 1/,
    );
    await expect(startEmbeddedKafka({ brokers: 2, topics: [{ name: 't', partitions: 1, replicationFactor: 3 }] })).rejects.toThrow(
      /replication factor must be an integer from 1 to 2/,
    );
    await expect(startEmbeddedKafka({ topics: [{ name: 'bad name', partitions: 1 }] })).rejects.toThrow(EmbeddedKafkaError);

    const embedded = await startEmbeddedKafka({ brokers: 3, topics: [{ name: 'known', partitions: 2 }] });
    expect(() => embedded.createTopic('known', 2)).toThrow(/exists already with 2 partitions/);
    expect(() => embedded.brokerDown(4)).toThrow(/broker id must be from 1 to 3, got 4/);
    expect(() => embedded.setPartitionLeader('known', 2, 1)).toThrow(/partitions 0 to 1, got 2/);
    expect(() => embedded.setPartitionLeader('unknown', 0, 1)).toThrow(/unknown topic "unknown"/);
    expect(() => embedded.pushRequestErrors(KafkaApiKey.Fetch, [])).toThrow(/at least one error code/);
    expect(() => embedded.setBrokerLatency(1, -5)).toThrow(/latency must be an integer/);

    await Promise.all([embedded.stop(), embedded.stop()]);
    await embedded.stop();
    expect(() => embedded.createTopic('late', 1)).toThrow(/embedded Kafka is stopped/);
  });

  it('names the install commands when librdkafka cannot be loaded', async () => {
    const previous = process.env.LIBRDKAFKA_PATH;
    process.env.LIBRDKAFKA_PATH = '/nonexistent/librdkafka.so.1';
    try {
      const failure = startEmbeddedKafka();
      await expect(failure).rejects.toThrow(LibrdkafkaMissingError);
      await expect(failure).rejects.toThrow(/\/nonexistent\/librdkafka\.so\.1/);
      await expect(failure).rejects.toThrow(/sudo apt-get install -y librdkafka1/);
      await expect(failure).rejects.toThrow(/brew install librdkafka/);
      await expect(failure).rejects.toThrow(/KAFKA_BROKERS=host:port/);
    } finally {
      if (previous === undefined) delete process.env.LIBRDKAFKA_PATH;
      else process.env.LIBRDKAFKA_PATH = previous;
    }
  });

  it('lets a process that used it exit on its own', () => {
    const script = [
      "import { startEmbeddedKafka } from './local/kafka/embedded-kafka.ts';",
      "import { createKafka } from './src/kafka/kafka-client.ts';",
      "const embedded = await startEmbeddedKafka({ topics: [{ name: 'exit', partitions: 2 }] });",
      "const p = createKafka({ brokers: embedded.brokers, auth: { type: 'none' }, clientId: 'exit' }).producer();",
      "await p.connect(); await p.send({ topic: 'exit', messages: [{ value: 'x' }] }); await p.disconnect();",
      'await embedded.stop();',
      "console.log('stopped');",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.stdout).toContain('stopped');
    expect(run.status).toBe(0);
  });
});
