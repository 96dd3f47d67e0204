import { createServer, type Server } from 'node:net';
import { Partitioners } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { KafkaUnreachableError } from '../../local/kafka/errors.js';
import { openKafkaCluster } from '../../local/kafka/kafka-cluster.js';
import { ConfigError } from '../../src/config/env.js';
import { TopicProvisioningError } from '../../src/kafka/ensure-topics.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { definePipeline } from '../../src/pipeline/definition.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('openKafkaCluster', () => {
  it('starts the embedded cluster with every pipeline topic at its defined partition count', async () => {
    const pipeline = definePipeline({ name: 'cluster-test', partitions: 4 });
    const cluster = await openKafkaCluster(pipeline, { clientId: 'cluster-test' });
    cleanup.push(() => cluster.close());
    expect(cluster.describe()).toMatch(/^embedded Kafka \(librdkafka \d+\.\d+\.\d+ mock cluster\), 3 brokers$/);
    expect(cluster.brokers).toHaveLength(3);
    expect(cluster.embedded?.bootstrapServers).toBe(cluster.bootstrapServers);

    const kafka = createKafka(cluster.connection);
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topics = Object.values(pipeline.topics);
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual(Object.fromEntries(topics.map((t) => [t.name, t.partitions])));
    expect(partitions).toEqual({
      'cluster-test-raw': 4,
      'cluster-test-clean': 4,
      'cluster-test-enriched': 4,
      'cluster-test-dlq': 3,
      'cluster-test-failures': 1,
    });

    // The topics are usable without auto-creation.
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const sent = await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((t) => ({ topic: t.name, messages: [{ value: t.role }] })),
    });
    expect(sent.map((r) => r.errorCode)).toEqual(topics.map(() => 0));

    await cluster.close();
    await cluster.close();
  });

  it('rejects a malformed KAFKA_BROKERS value before connecting', async () => {
    await expect(openKafkaCluster(definePipeline(), { brokers: 'localhost' })).rejects.toThrow(ConfigError);
    await expect(openKafkaCluster(definePipeline(), { brokers: 'localhost' })).rejects.toThrow(
      'KAFKA_BROKERS has "localhost", which is not host:port',
    );
  });

  it('names the brokers when an external Kafka does not answer', async () => {
    // A port that accepts TCP and closes at once: as close to "nothing speaks Kafka here" as it gets.
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const started = Date.now();
    const opening = openKafkaCluster(definePipeline(), { brokers: `127.0.0.1:${port}` });
    await expect(opening).rejects.toThrow(KafkaUnreachableError);
    await expect(opening).rejects.toThrow(`cannot reach Kafka at 127.0.0.1:${port} (KAFKA_BROKERS)`);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('reports a topic it could not create on an external cluster as a failure', async () => {
    // The mock cluster serves no CreateTopics request: used as an external Kafka, provisioning must fail loudly.
    const external = await startEmbeddedKafka({ brokers: 1 });
    cleanup.push(() => external.stop());
    const opening = openKafkaCluster(definePipeline({ name: 'unprovisioned' }), { brokers: external.bootstrapServers });
    await expect(opening).rejects.toThrow(TopicProvisioningError);
    await expect(opening).rejects.toThrow(/^creating topics unprovisioned-raw, unprovisioned-clean, .* failed: /);
  });
});
