/**
 * The benchmark's load generator in a child process: it publishes at the rate asked, its count of
 * acknowledged records matches the topic, and an abort stops a run early.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGeneratorProcess } from '../../../bench/harness/generator-process.js';
import { openKafkaCluster } from '../../../local/kafka/kafka-cluster.js';
import { readTopicToEnd } from '../../../local/kafka/read-topic.js';
import { createKafka } from '../../../src/kafka/kafka-client.js';
import { definePipeline } from '../../../src/pipeline/definition.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('startGeneratorProcess', () => {
  it('publishes storefront records at the rate asked and counts what Kafka acknowledged', async () => {
    const pipeline = definePipeline({ name: 'gen-process-test', partitions: 3 });
    const cluster = await openKafkaCluster(pipeline, { clientId: 'gen-process-test' });
    cleanup.push(() => cluster.close());
    const load = await startGeneratorProcess({
      connection: cluster.connection,
      topic: pipeline.topics.raw.name,
      seed: 3,
      runId: 'genprocess',
    });
    cleanup.push(() => load.close());

    await load.offer(2000, 1000, new AbortController().signal);
    const first = load.acknowledged;
    expect(first).toBeGreaterThan(1500);
    expect(first).toBeLessThanOrEqual(2100);

    // A second run counts on from the first; aborted at once, it sends at most a tick's worth.
    const abort = new AbortController();
    const aborted = load.offer(2000, 10_000, abort.signal);
    abort.abort();
    await aborted;
    expect(load.acknowledged - first).toBeLessThan(200);

    const messages = await readTopicToEnd(createKafka(cluster.connection), pipeline.topics.raw.name);
    expect(messages).toHaveLength(load.acknowledged);
    expect(JSON.parse(messages[0]?.value?.toString() ?? '{}')).toHaveProperty('eventId');
  });
});
