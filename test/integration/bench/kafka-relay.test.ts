import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaRelay } from '../../../bench/measure/kafka-relay.js';
import { openKafkaCluster } from '../../../local/kafka/kafka-cluster.js';
import { readTopicToEnd } from '../../../local/kafka/read-topic.js';
import { createTwinKafka } from '../../../local/kafka/twin-kafka.js';
import { createKafkaPublisher } from '../../../src/kafka/kafka-client.js';
import { definePipeline } from '../../../src/pipeline/definition.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('startKafkaRelay', () => {
  it('moves every record unchanged through one hop per stage on the embedded cluster', async () => {
    const pipeline = definePipeline({ name: 'relay-test', partitions: 3 });
    const cluster = await openKafkaCluster(pipeline, { clientId: 'relay-test' });
    cleanup.push(() => cluster.close());
    const sink = 'relay-test-sink';
    cluster.embedded?.createTopic(sink, 3);
    const kafka = createTwinKafka(cluster.connection);
    const { raw, clean, enriched } = pipeline.topics;
    const relay = await startKafkaRelay({
      kafka,
      topics: [raw.name, clean.name, enriched.name, sink],
      fetchWaitMs: 25,
      groupPrefix: 'relay-test',
      maxSendRecords: 100,
    });
    cleanup.push(() => relay.stop());
    expect(relay.hops).toBe(3);

    const publisher = createKafkaPublisher(kafka);
    cleanup.push(() => publisher.close());
    const count = 1200;
    const records = Array.from({ length: count }, (_, i) => ({
      topic: raw.name,
      key: `k${i % 17}`,
      value: `value-${i}`,
      headers: { h: `${i}` },
    }));
    for (let i = 0; i < count; i += 300) await publisher.publish(records.slice(i, i + 300));

    await waitFor('the last hop to relay every record', () => relay.relayed().every((n) => n === count), 60_000);
    const out = await readTopicToEnd(kafka, sink);
    expect(out).toHaveLength(count);
    expect(new Set(out.map((m) => m.value?.toString()))).toEqual(new Set(records.map((r) => r.value)));
    const sample = out.find((m) => m.value?.toString() === 'value-7');
    expect(sample?.key?.toString()).toBe('k7');
    expect(sample?.headers?.h?.toString()).toBe('7');
  });
});
