import { describe, expect, it } from 'vitest';
import { EventSourceMappingConfigError, EventSourceMappingError } from '../../local/event-source-mapping/errors.js';
import { EventSourceMapping, type EventSourceMappingConfig } from '../../local/event-source-mapping/event-source-mapping.js';
import { PartitionQueue } from '../../local/event-source-mapping/partition-queue.js';
import { createTwinKafka } from '../../local/kafka/twin-kafka.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { pipeline } from '../../src/pipeline/definition.js';

// Creating a kafkajs client opens no connection; nothing here touches the network.
const connection = { brokers: ['127.0.0.1:1'], auth: { type: 'none' as const }, clientId: 'unit' };
const kafka = createTwinKafka(connection);
const base: EventSourceMappingConfig = {
  stage: pipeline.stages.ingest,
  kafka,
  bootstrapServers: '127.0.0.1:1',
  functionName: 'ingest',
  handler: async () => undefined,
  failureTopic: pipeline.topics.failures.name,
  inputRetentionHours: pipeline.topics.raw.retentionHours,
  pollerMode: 'provisioned',
  failureDestination: 'kafka',
};

describe('EventSourceMapping configuration', () => {
  it('accepts the pipeline definition as it is', () => {
    expect(() => new EventSourceMapping(base)).not.toThrow();
  });

  it.each([
    [{ functionName: '' }, /functionName is empty/],
    [{ failureTopic: pipeline.stages.ingest.inputTopic }, /failureTopic must differ from the input topic/],
    [{ maxPayloadBytes: 0 }, /maxPayloadBytes must be a positive integer/],
    [{ retryBackoff: { initialMs: 100, maxMs: 10 } }, /retryBackoff needs 0 <= initialMs <= maxMs/],
    [{ stage: { ...pipeline.stages.ingest, batchSize: 10_001 } }, /batchSize must be an integer from 1 to 10000, got 10001/],
    [{ stage: { ...pipeline.stages.ingest, batchingWindowMs: -1 } }, /batchingWindowMs must be an integer from 0 to 300000/],
    [
      { stage: { ...pipeline.stages.ingest, retry: { ...pipeline.stages.ingest.retry, maxRecordAgeSeconds: 30 } } },
      /maxRecordAgeSeconds must be -1 or an integer from 60 to 604800, got 30/,
    ],
    [{ pollerMode: 'on-demand', failureDestination: 'kafka' }, /a Kafka failure destination needs provisioned mode/],
    [{ inputRetentionHours: 0 }, /inputRetentionHours must be a positive number, got 0/],
    [{ kafka: createKafka(connection) }, /kafka must come from createTwinKafka/],
    [{ stage: { ...pipeline.stages.ingest, startingPosition: 'AT_TIMESTAMP' } }, /AT_TIMESTAMP needs startingPositionTimestamp/],
    [
      { stage: { ...pipeline.stages.ingest, startingPositionTimestamp: 1_800_000_000 } },
      /startingPositionTimestamp applies only with AT_TIMESTAMP/,
    ],
  ] as [Partial<EventSourceMappingConfig>, RegExp][])('rejects %o with a one-line reason', (override, message) => {
    const build = () => new EventSourceMapping({ ...base, ...override });
    expect(build).toThrow(EventSourceMappingConfigError);
    expect(build).toThrow(message);
  });

  it('stops cleanly when never started, and then refuses work', async () => {
    const mapping = new EventSourceMapping(base);
    await mapping.stop();
    await expect(mapping.offsetLag()).rejects.toThrow(EventSourceMappingError);
    await expect(mapping.start()).rejects.toThrow(/start\(\) was already called/);
    expect(mapping.stats()).toMatchObject({ polled: 0, invocations: 0, committed: 0 });
  });
});

describe('PartitionQueue', () => {
  const record = (offset: number, value = 'abc'): KafkaRecord => ({
    topic: 't',
    partition: 0,
    offset,
    timestamp: 0,
    timestampType: 'CREATE_TIME',
    key: Buffer.from('k'),
    value: Buffer.from(value),
    headers: [],
  });

  it('skips refetched duplicates and keeps offset order', () => {
    const queue = new PartitionQueue('t', 0);
    expect([1, 2, 3].map((o) => queue.push(record(o), 0))).toEqual([true, true, true]);
    // After a rejoin kafkajs fetches again from the committed offset.
    expect([1, 2, 3, 4].map((o) => queue.push(record(o), 0))).toEqual([false, false, false, true]);
    const seen: number[] = [];
    for (let r = queue.peek(); r !== undefined; r = queue.peek()) {
      seen.push(r.offset);
      queue.shift();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(queue.size).toBe(0);
    expect(queue.committedPosition).toBe(1);
  });

  it('remembers when each record was fetched', () => {
    const queue = new PartitionQueue('t', 0);
    queue.push(record(0), 1000);
    queue.push(record(1), 2000);
    expect(queue.peekArrival()).toBe(1000);
    queue.shift();
    expect(queue.peekArrival()).toBe(2000);
  });

  it('counts queued key and value bytes', () => {
    const queue = new PartitionQueue('t', 0);
    queue.push(record(0, 'hello'), 0);
    queue.push(record(1, ''), 0);
    expect(queue.bytes).toBe(1 + 5 + 1);
    queue.shift();
    expect([queue.size, queue.bytes]).toEqual([1, 1]);
    queue.clear();
    expect([queue.size, queue.bytes]).toEqual([0, 0]);
  });
});
