import { type Admin, type Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EventSourceMapping,
  type EventSourceMappingConfig,
  type InvocationInfo,
} from '../../local/event-source-mapping/event-source-mapping.js';
import type { FailureEnvelope } from '../../local/event-source-mapping/failure-envelope.js';
import { type EmbeddedKafka, KafkaApiKey, KafkaErrorCode, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { createTwinKafka } from '../../local/kafka/twin-kafka.js';
import type { KafkaBatchResponse, KafkaRecord, MskEvent } from '../../src/kafka/msk-event.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { pipeline, type RetryPolicy, type StageDefinition } from '../../src/pipeline/definition.js';
import { appendCommitMarker } from '../helpers/control-record.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';

let cluster: EmbeddedKafka;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await startEmbeddedKafka({ brokers: 3 });
  kafka = createTwinKafka({ brokers: cluster.brokers, auth: { type: 'none' }, clientId: 'esm-test' }, { logLevel: logLevel.ERROR });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
  await cluster?.stop();
});

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function topics(partitions: number): { input: string; failures: string } {
  const input = uniqueName('esm-in');
  const failures = uniqueName('esm-failures');
  cluster.createTopic(input, partitions);
  cluster.createTopic(failures, 1);
  return { input, failures };
}

interface Invocation {
  at: number;
  event: MskEvent;
  records: KafkaRecord[];
}

interface MappingOptions {
  input: string;
  failures: string;
  group?: string;
  stage?: Partial<StageDefinition>;
  retry?: Partial<RetryPolicy>;
  // biome-ignore lint/suspicious/noConfusingVoidType: test handlers are async functions that may return nothing
  handler?: (event: MskEvent, invocation: number) => Promise<KafkaBatchResponse | void>;
  config?: Partial<EventSourceMappingConfig>;
}

/** Starts a mapping on `input` that records every invocation; stopped after the test. */
async function startMapping(options: MappingOptions) {
  const invocations: Invocation[] = [];
  const infos: InvocationInfo[] = [];
  const stage: StageDefinition = {
    ...pipeline.stages.ingest,
    inputTopic: options.input,
    consumerGroupId: options.group ?? uniqueName('esm-group'),
    batchSize: 100,
    batchingWindowMs: 50,
    startingPosition: 'TRIM_HORIZON',
    ...options.stage,
    retry: { ...pipeline.stages.ingest.retry, ...options.retry },
  };
  const mapping = new EventSourceMapping({
    stage,
    kafka,
    bootstrapServers: cluster.bootstrapServers,
    functionName: 'esm-test-function',
    failureTopic: options.failures,
    inputRetentionHours: 168,
    pollerMode: 'provisioned',
    failureDestination: 'kafka',
    retryBackoff: { initialMs: 20, maxMs: 100 },
    onInvocation: (info) => infos.push(info),
    handler: async (event) => {
      invocations.push({ at: Date.now(), event, records: decodeMskEvent(event) });
      return options.handler?.(event, invocations.length);
    },
    ...options.config,
  });
  cleanup.push(() => mapping.stop());
  await mapping.start();
  const delivered = () => invocations.flatMap((i) => i.records);
  return { mapping, stage, invocations, infos, delivered };
}

async function produce(topic: string, messages: { key?: string | null; value: string; partition?: number; timestamp?: string }[]) {
  await producer.send({
    topic,
    acks: -1,
    messages: messages.map((m) => ({
      key: m.key ?? null,
      value: m.value,
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
      ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}),
    })),
  });
}

/** Committed position per partition ("-1" = none). */
async function committed(group: string, topic: string): Promise<Map<number, number>> {
  const [result] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Reads `count` messages from a topic from the beginning. */
async function readTopic(topic: string, count: number): Promise<{ key: string | null; value: string }[]> {
  const out: { key: string | null; value: string }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('esm-reader'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' });
      },
    });
    await waitFor(`${count} messages on ${topic}`, () => out.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const valuesOf = (records: readonly KafkaRecord[]) => records.map((r) => r.value?.toString());

describe('EventSourceMapping against the embedded Kafka', () => {
  it('closes batches at the batch size and, for a trickle, when the window ends', async () => {
    const { input, failures } = topics(2);
    await produce(
      input,
      Array.from({ length: 25 }, (_, i) => ({ value: `r${i}`, partition: i % 2 })),
    );
    const { invocations, delivered, mapping } = await startMapping({
      input,
      failures,
      stage: { batchSize: 10, batchingWindowMs: 1000 },
    });
    await waitFor('25 records', () => delivered().length === 25);
    const sizes = invocations.map((i) => i.records.length);
    expect(Math.max(...sizes)).toBe(10);
    expect(sizes.filter((n) => n === 10).length).toBeGreaterThanOrEqual(2);
    // One invocation holds both partitions.
    expect(invocations.some((i) => Object.keys(i.event.records).length === 2)).toBe(true);

    // A trickle of 3 records waits for the window that its first record opened.
    const before = invocations.length;
    const sentAt = Date.now();
    await produce(input, [
      { value: 'late-0', partition: 0 },
      { value: 'late-1', partition: 1 },
      { value: 'late-2', partition: 0 },
    ]);
    await waitFor('the trickle', () => delivered().length === 28);
    expect(invocations.length).toBe(before + 1);
    const trickle = invocations[before] as Invocation;
    expect(valuesOf(trickle.records).sort()).toEqual(['late-0', 'late-1', 'late-2']);
    expect(trickle.at - sentAt).toBeGreaterThanOrEqual(1000);
    expect(trickle.at - sentAt).toBeLessThan(2500);
    await waitFor('everything committed', async () => (await mapping.offsetLag()) === 0);
  });

  it('keeps each partition in offset order with one batch in flight per partition', async () => {
    const { input, failures } = topics(3);
    const total = 600;
    const inFlight = new Set<string>();
    let overlaps = 0;
    let maxConcurrent = 0;
    let running = 0;
    const { delivered, invocations, mapping } = await startMapping({
      input,
      failures,
      stage: { batchSize: 7, batchingWindowMs: 10 },
      handler: async (event) => {
        const keys = Object.keys(event.records);
        for (const key of keys) {
          if (inFlight.has(key)) overlaps++;
          inFlight.add(key);
        }
        maxConcurrent = Math.max(maxConcurrent, ++running);
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(Math.random() * 8)));
        running--;
        for (const key of keys) inFlight.delete(key);
      },
    });
    for (let i = 0; i < total; i += 100) {
      await produce(
        input,
        Array.from({ length: 100 }, (_, j) => ({ key: `k${(i + j) % 17}`, value: `v${i + j}` })),
      );
    }
    await waitFor(`${total} records`, () => delivered().length >= total);
    expect(overlaps).toBe(0);
    const byPartition = new Map<number, number[]>();
    for (const r of delivered()) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
    expect(byPartition.size).toBe(3);
    for (const offsets of byPartition.values()) {
      // Every offset once, ascending from 0, across all invocations.
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    expect(invocations.every((i) => i.records.length <= 7)).toBe(true);
    // The stats count a commit once its response is back, which can be after another client sees it.
    await waitFor('everything committed', () => mapping.stats().committed === total);
    expect(await mapping.offsetLag()).toBe(0);
    expect(mapping.stats()).toMatchObject({
      polled: total,
      invokedRecords: total,
      committed: total,
      failedInvocations: 0,
      assignedPartitions: 3,
    });
  });

  it('commits nothing until the handler succeeds, then commits past the batch', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    await produce(input, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const secondAttempt = gate();
    let attemptStarted = 0;
    const { infos } = await startMapping({
      input,
      failures,
      group,
      retry: { bisectBatchOnError: false },
      handler: async (_event, n) => {
        attemptStarted = n;
        if (n === 1) throw new Error('store unreachable');
        await secondAttempt.promise;
      },
    });
    await waitFor('the retry to start', () => attemptStarted === 2);
    expect((await committed(group, input)).get(0)).toBe(-1);
    secondAttempt.open();
    await waitFor('the commit', async () => (await committed(group, input)).get(0) === 3);
    expect(infos.map((i) => [i.attempt, i.outcome])).toEqual([
      [1, 'error'],
      [2, 'success'],
    ]);
    expect(infos[0]?.error).toBe('store unreachable');
  });

  it('after the last retry sends each record to the failure topic in the Kafka destination envelope', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    await produce(input, [
      { key: 'user-1', value: 'one' },
      { key: null, value: 'two' },
    ]);
    const { infos, mapping } = await startMapping({
      input,
      failures,
      group,
      retry: { maxRetryAttempts: 2, bisectBatchOnError: false },
      handler: async () => {
        throw new Error('always fails');
      },
    });
    const messages = await readTopic(failures, 2);
    await waitFor('the commit past the failed records', async () => (await committed(group, input)).get(0) === 2);
    expect(infos.length).toBe(3);
    expect(messages.map((m) => m.key)).toEqual(['user-1', null]);
    const envelopes = messages.map((m) => JSON.parse(m.value) as FailureEnvelope);
    const [first, second] = envelopes as [FailureEnvelope, FailureEnvelope];
    expect(Object.keys(first)).toEqual(['requestContext', 'responseContext', 'version', 'timestamp', 'KafkaBatchInfo', 'payload']);
    expect(first.requestContext).toEqual({
      requestId: infos[2]?.requestId,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:esm-test-function:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    expect(first.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(first.version).toBe('1.0');
    expect(first.KafkaBatchInfo).toMatchObject({
      batchSize: 2,
      bootstrapServers: cluster.bootstrapServers,
      recordInfo: { offset: '0' },
    });
    expect(first.KafkaBatchInfo.eventSourceArn).toMatch(/^arn:aws:kafka:/);
    expect(first.KafkaBatchInfo.payloadSize).toBeGreaterThan(0);
    expect(second.KafkaBatchInfo.recordInfo.offset).toBe('1');
    const payloadRecord = first.payload?.records[`${input}-0`]?.[0];
    expect(Buffer.from(payloadRecord?.value ?? '', 'base64').toString()).toBe('one');
    expect(Buffer.from(payloadRecord?.key ?? '', 'base64').toString()).toBe('user-1');
    expect(second.payload?.records[`${input}-0`]?.[0]).not.toHaveProperty('key');
    await waitFor('the stats to count the commit', () => mapping.stats().committed === 2);
    expect(mapping.stats()).toMatchObject({ sentToFailureDestination: 2, committed: 2, failedInvocations: 3 });
  });

  it('bisects around a poison record so it never stalls its partition, and diverts an oversize record', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    const big = 'x'.repeat(3000);
    await produce(input, [
      ...Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: i === 3 ? 'poison' : `ok${i}` })),
      { key: 'huge', value: big },
      { key: 'k7', value: 'ok7' },
    ]);
    const processed: string[] = [];
    await startMapping({
      input,
      failures,
      group,
      stage: { batchSize: 10, batchingWindowMs: 20 },
      retry: { maxRetryAttempts: 3, bisectBatchOnError: true },
      config: { maxPayloadBytes: 2048 },
      handler: async (event) => {
        const values = valuesOf(decodeMskEvent(event));
        if (values.includes('poison')) throw new Error('cannot handle poison');
        processed.push(...(values as string[]));
      },
    });
    const messages = await readTopic(failures, 2);
    await waitFor('the commit past everything', async () => (await committed(group, input)).get(0) === 8);
    expect(processed).toEqual(['ok0', 'ok1', 'ok2', 'ok4', 'ok5', 'ok7']);
    const byKey = new Map(messages.map((m) => [m.key, JSON.parse(m.value) as FailureEnvelope]));
    expect(byKey.get('k3')?.requestContext.condition).toBe('RetriesExhausted');
    expect(byKey.get('k3')?.KafkaBatchInfo.batchSize).toBe(1);
    expect(byKey.get('huge')?.requestContext).toMatchObject({ condition: 'MaximumPayloadSizeExceeded', approximateInvokeCount: 0 });
    expect(byKey.get('huge')?.KafkaBatchInfo.recordInfo.offset).toBe('6');
  });

  it('provisioned: retries only the records a partial batch response names, committing the first of them until they succeed', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    await produce(
      input,
      Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    );
    const retryRunning = gate();
    const { invocations, infos } = await startMapping({
      input,
      failures,
      group,
      handler: async (_event, n) => {
        if (n === 1) {
          return {
            batchItemFailures: [
              { itemIdentifier: { partition: `${input}-0`, offset: 7 } },
              { itemIdentifier: { partition: `${input}-0`, offset: 4 } },
            ],
          };
        }
        await retryRunning.promise;
        return { batchItemFailures: [] };
      },
    });
    await waitFor('the redelivery', () => invocations.length === 2);
    expect((await committed(group, input)).get(0)).toBe(4);
    retryRunning.open();
    await waitFor('the final commit', async () => (await committed(group, input)).get(0) === 10);
    expect(invocations[0]?.records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(invocations[1]?.records.map((r) => r.offset)).toEqual([4, 7]);
    expect(infos.map((i) => [i.attempt, i.outcome])).toEqual([
      [1, 'partial-failure'],
      [2, 'success'],
    ]);
  });

  it('on-demand: ignores batchItemFailures, retries the whole batch past 10 failures without bisecting until it succeeds, sends nothing to the destination', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    await produce(input, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const failingCalls = 13;
    let calls = 0;
    const { infos, invocations } = await startMapping({
      input,
      failures,
      group,
      // The stage asks for everything provisioned mode offers; on-demand mode applies none of it.
      retry: { maxRetryAttempts: 1, bisectBatchOnError: true, reportBatchItemFailures: true },
      config: { pollerMode: 'on-demand', failureDestination: 'sqs', onWarning: () => {} },
      handler: async () => {
        calls++;
        if (calls === 1) return { batchItemFailures: [{ itemIdentifier: { partition: `${input}-0`, offset: 1 } }] };
        if (calls <= 1 + failingCalls) throw new Error('the store is away');
        return undefined;
      },
    });
    await waitFor('the first batch done', async () => (await committed(group, input)).get(0) === 3, 60_000);
    // The partial response counted as success, so the batch was done at once.
    expect(infos.map((i) => i.outcome)).toEqual(['success']);
    expect(invocations).toHaveLength(1);

    await produce(input, [{ value: 'd' }, { value: 'e' }]);
    await waitFor('the second batch done', async () => (await committed(group, input)).get(0) === 5, 60_000);
    const second = infos.slice(1);
    // 13 failures (more than the provisioned-mode cap of 10), then the success; never bisected.
    expect(second.map((i) => i.outcome)).toEqual([...Array<string>(failingCalls).fill('error'), 'success']);
    expect(second.every((i) => i.records === 2)).toBe(true);
    expect(second.map((i) => i.attempt)).toEqual(Array.from({ length: failingCalls + 1 }, (_, i) => i + 1));
    const [failureTopicEnd] = await admin.fetchTopicOffsets(failures);
    expect(failureTopicEnd?.high).toBe('0');
  });

  it("on-demand: a failing batch whose records are older than the topic's retention expires to the destination as one SQS-format envelope", async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await produce(input, [
      { value: 'old', timestamp: String(twoHoursAgo) },
      { value: 'new', timestamp: String(twoHoursAgo + 1000) },
    ]);
    const { infos } = await startMapping({
      input,
      failures,
      group,
      config: { pollerMode: 'on-demand', failureDestination: 'sqs', inputRetentionHours: 1, onWarning: () => {} },
      handler: async () => {
        throw new Error('always fails');
      },
    });
    await waitFor('the expired batch given up', async () => (await committed(group, input)).get(0) === 2, 60_000);
    const [message] = await readTopic(failures, 1);
    // Expiry is checked after a failure: one invocation, then the destination.
    expect(infos.map((i) => [i.attempt, i.records, i.outcome])).toEqual([[1, 2, 'error']]);
    const envelope = JSON.parse(message?.value ?? '{}');
    expect(message?.key).toBeNull();
    expect(envelope).not.toHaveProperty('payload');
    expect(envelope.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 });
    expect(envelope.KafkaBatchInfo.recordsInfo).toEqual({
      [`${input}-0`]: expect.objectContaining({ firstRecordOffset: '0', lastRecordOffset: '1' }),
    });
  });

  it('commits past a transaction marker at the end of a partition: lag 0, committed at the log end', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [input] })).topics;
    const leader = cluster.brokers[(metadata?.partitions[0]?.leader ?? 0) - 1];
    if (!leader) throw new Error(`no leader address for ${input}-0`);
    const logEnd = async () => Number((await admin.fetchTopicOffsets(input))[0]?.high);
    const drainedAt = async (end: number) => (await committed(group, input)).get(0) === end && (await mapping.offsetLag()) === 0;

    // The marker is fetched with the records before it, while their batch is in flight.
    await produce(input, [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    expect(await appendCommitMarker(leader, input, 0)).toBe(3);
    const { mapping, delivered } = await startMapping({ input, failures, group });
    await waitFor('the marker committed past', () => drainedAt(4), 60_000);
    expect(await logEnd()).toBe(4);

    // A marker fetched once the partition is idle, after more records.
    await produce(input, [{ value: 'd' }, { value: 'e' }]);
    await waitFor('d and e committed', async () => ((await committed(group, input)).get(0) ?? 0) >= 6, 60_000);
    expect(await appendCommitMarker(leader, input, 0)).toBe(6);
    await waitFor('the second marker committed past', () => drainedAt(7), 60_000);
    expect(valuesOf(delivered())).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(mapping.stats().committed).toBeGreaterThanOrEqual(5);
  });

  it('fails the whole batch when the response names a record that is not in it', async () => {
    const { input, failures } = topics(1);
    await produce(input, [{ value: 'a' }, { value: 'b' }]);
    const { invocations, infos } = await startMapping({
      input,
      failures,
      retry: { bisectBatchOnError: false },
      handler: async (_event, n) =>
        n === 1 ? { batchItemFailures: [{ itemIdentifier: { partition: `${input}-0`, offset: 99 } }] } : undefined,
    });
    await waitFor('the retry', () => infos.length >= 2);
    expect(infos[0]?.outcome).toBe('error');
    expect(infos[0]?.error).toMatch(/not in the batch/);
    expect(invocations[1]?.records.map((r) => r.offset)).toEqual([0, 1]);
  });

  it('starting at LATEST delivers a record produced right after start() and none written before', async () => {
    const { input, failures } = topics(2);
    await produce(
      input,
      Array.from({ length: 6 }, (_, i) => ({ value: `old${i}`, partition: i % 2 })),
    );
    const group = uniqueName('esm-group');
    const { delivered } = await startMapping({ input, failures, group, stage: { startingPosition: 'LATEST' } });
    // At once, before any fetch could have looked up the end of the log.
    await produce(input, [
      { value: 'new0', partition: 0 },
      { value: 'new1', partition: 1 },
    ]);
    await waitFor('both new records', () => delivered().length >= 2);
    expect(valuesOf(delivered()).sort()).toEqual(['new0', 'new1']);
    await waitFor('the commits', async () => [...(await committed(group, input)).values()].every((o) => o === 4));
  });

  it('starting AT_TIMESTAMP delivers the records from that time on', async () => {
    const { input, failures } = topics(2);
    const cutoffSeconds = 1_800_000_000;
    const at = (seconds: number) => String(seconds * 1000);
    await produce(input, [
      { value: 'before0', partition: 0, timestamp: at(cutoffSeconds - 60) },
      { value: 'before1', partition: 1, timestamp: at(cutoffSeconds - 1) },
      { value: 'at0', partition: 0, timestamp: at(cutoffSeconds) },
      { value: 'after0', partition: 0, timestamp: at(cutoffSeconds + 30) },
    ]);
    const { delivered, mapping } = await startMapping({
      input,
      failures,
      stage: { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: cutoffSeconds },
    });
    // Partition 1 has nothing at or after the time: it starts at its end and takes what comes next.
    await produce(input, [{ value: 'later1', partition: 1, timestamp: at(cutoffSeconds + 60) }]);
    await waitFor('the records from the cutoff on', () => delivered().length >= 3);
    expect(valuesOf(delivered()).sort()).toEqual(['after0', 'at0', 'later1']);
    await waitFor('lag to drain', async () => (await mapping.offsetLag()) === 0);
  });

  it('counts a batch as failed at the function timeout and retries it only once the timed-out run has ended', async () => {
    const { input, failures } = topics(1);
    await produce(input, [{ value: 'slow' }]);
    const events: string[] = [];
    const firstRunMayEnd = gate();
    const { infos, mapping } = await startMapping({
      input,
      failures,
      stage: { timeoutSeconds: 0.2 },
      handler: async (_event, n) => {
        events.push(`start ${n}`);
        if (n === 1) await firstRunMayEnd.promise;
        events.push(`end ${n}`);
      },
    });
    await waitFor('the timeout', () => infos.length === 1);
    expect(infos[0]).toMatchObject({ outcome: 'error', error: expect.stringMatching(/timed out after 0.20 seconds/) });
    expect(mapping.stats()).toMatchObject({ timedOut: 1, overrunning: 1 });
    // Well past the backoff: still no retry, the first run has not ended.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual(['start 1']);
    firstRunMayEnd.open();
    await waitFor('the retry', () => infos.length === 2);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(mapping.stats().overrunning).toBe(0);
  });

  it('restarts a crashed consumer with backoff, counts it, and loses nothing', async () => {
    const { input, failures } = topics(2);
    const { delivered, mapping } = await startMapping({
      input,
      failures,
      config: {
        consumerRestart: { backoff: { initialMs: 50, maxMs: 100 }, maxConsecutiveCrashes: 5, stableAfterMs: 60_000 },
        onWarning: () => {},
      },
    });
    await produce(input, [{ value: 'before', partition: 0 }]);
    await waitFor('the first record', () => delivered().length === 1);
    // Not retriable for kafkajs: the consumer crashes and kafkajs does not restart it.
    cluster.pushRequestErrors(KafkaApiKey.Fetch, [KafkaErrorCode.TopicAuthorizationFailed]);
    await waitFor('the crash', () => mapping.stats().consumerCrashes === 1);
    await produce(input, [
      { value: 'after0', partition: 0 },
      { value: 'after1', partition: 1 },
    ]);
    await waitFor('the records after the crash', () => delivered().length === 3, 60_000);
    expect(valuesOf(delivered()).sort()).toEqual(['after0', 'after1', 'before']);
    expect(mapping.stats()).toMatchObject({ consumerCrashes: 1, consumerRestarts: 1 });
    expect(mapping.stats().consumerFailure).toBeUndefined();
    cluster.clearRequestErrors(KafkaApiKey.Fetch);
  });

  it('declares the consumer failed, with the reason, when it keeps crashing', async () => {
    const { input, failures } = topics(1);
    const warnings: string[] = [];
    const { mapping } = await startMapping({
      input,
      failures,
      config: {
        consumerRestart: { backoff: { initialMs: 50, maxMs: 100 }, maxConsecutiveCrashes: 1, stableAfterMs: 60_000 },
        onWarning: (message) => warnings.push(message),
      },
    });
    cluster.pushRequestErrors(
      KafkaApiKey.Fetch,
      Array.from({ length: 2 }, () => KafkaErrorCode.TopicAuthorizationFailed),
    );
    await waitFor('the consumer to be given up', () => mapping.stats().consumerFailure !== undefined, 60_000);
    expect(mapping.stats().consumerFailure).toMatch(/crashed 2 times in a row .*Topic authorization failed/i);
    expect(warnings.some((w) => w.startsWith('CONSUMER FAILED'))).toBe(true);
    cluster.clearRequestErrors(KafkaApiKey.Fetch);
  });

  it('refuses to start on a missing topic, naming it', async () => {
    const { input, failures } = topics(1);
    const missing = uniqueName('esm-missing');
    await expect(startMapping({ input: missing, failures })).rejects.toThrow(`input topic "${missing}" does not exist`);
    await expect(startMapping({ input, failures: missing })).rejects.toThrow(`failure topic "${missing}" does not exist`);
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('stop() waits for the running invocation, commits it and leaves the rest for the next start', async () => {
    const { input, failures } = topics(1);
    const group = uniqueName('esm-group');
    await produce(
      input,
      Array.from({ length: 12 }, (_, i) => ({ value: `s${i}` })),
    );
    const release = gate();
    const first = await startMapping({
      input,
      failures,
      group,
      stage: { batchSize: 5 },
      handler: async () => {
        await release.promise;
      },
    });
    await waitFor('the first invocation', () => first.invocations.length === 1);
    let stopped = false;
    const stopping = first.mapping.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(first.invocations.length).toBe(1);
    expect((await committed(group, input)).get(0)).toBe(5);
    expect(first.mapping.stats()).toMatchObject({ committed: 5, invokedRecords: 5 });

    // Committed offsets win over the starting position.
    const lagChecked = gate();
    const second = await startMapping({
      input,
      failures,
      group,
      stage: { startingPosition: 'LATEST' },
      handler: () => lagChecked.promise,
    });
    expect(await second.mapping.offsetLag()).toBe(7);
    lagChecked.open();
    await waitFor('the rest', () => second.delivered().length === 7);
    expect(second.delivered().map((r) => r.offset)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    await waitFor('lag to drain', async () => (await second.mapping.offsetLag()) === 0);
  });
});
