/**
 * `groups seek` on the twin's embedded Kafka: the sink's group moves back to a point in time inside
 * its running mapping (no rejoin). The records at or after that time are delivered again on every
 * partition, from the first of them on; the idempotent sink stores nothing twice; nothing is left
 * unconsumed. A batch being invoked during the seek finishes without moving the offset back.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGroups } from '../../local/commands/kafka-tools.js';
import type { EsmHandler } from '../../local/esm/event-source-mapping.js';
import { GeneratorLedger } from '../../local/generator/generator-ledger.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator, type TrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { readTopicToEnd } from '../../local/kafka/read-topic.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { MskEvent } from '../../src/kafka/msk-event.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

const PARTITIONS = 3;
const CHUNK = 600;

/** One sink invocation as the handler saw it: its records' partition and offset, in event order. */
interface Delivery {
  records: { partition: number; offset: number }[];
}

interface Gate {
  matches: (delivery: Delivery) => boolean;
  reached: (delivery: Delivery) => void;
  opened: Promise<void>;
}

describe('groups seek in the running twin (embedded Kafka, PostgreSQL)', () => {
  let store: TestStore;
  let twin: LocalTwin;
  const ledger = new GeneratorLedger();
  const generator: TrafficGenerator = createTrafficGenerator({ seed: 16, invalidShare: 0, duplicateShare: 0 });
  const deliveries: Delivery[] = [];
  /** The first sink invocation a gate matches waits until the gate opens (a batch held in flight). */
  const gates: Gate[] = [];
  const addGate = (matches: (d: Delivery) => boolean) => {
    let open: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    const reached = new Promise<Delivery>((resolve) => gates.push({ matches, reached: resolve, opened }));
    return { reached, open };
  };

  const produce = async (events: number) => {
    await runGenerator({
      generator,
      publisher: twin.publisher,
      topic: twin.pipeline.topics.raw.name,
      ratePerSecond: 5_000,
      maxEvents: events,
      ledger,
    });
  };
  const enriched = async () => readTopicToEnd(createKafka(twin.cluster.connection), twin.pipeline.topics.enriched.name);
  const storedCounts = async () => {
    const [row] = await store.client.query<{ rows: number; distinct: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM events',
    );
    return row;
  };
  const everyEventOnce = () => ({ rows: ledger.totals().distinctValidEvents, distinct: ledger.totals().distinctValidEvents });
  const sinkGroup = async () =>
    (await readGroups(createKafka(twin.cluster.connection), twin.pipeline)).find((r) => r.stage === 'sink')?.partitions ?? [];
  /** The sink's lag per partition. */
  const sinkLags = async () => (await sinkGroup()).map((p) => p.lag);
  /** Per partition, the offsets delivered by the invocations from index `from` on, in order. */
  const deliveredSince = (from: number) => {
    const byPartition = new Map<number, number[]>();
    for (const d of deliveries.slice(from)) {
      for (const r of d.records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
    }
    return byPartition;
  };

  beforeAll(async () => {
    store = await postgresTestStore();
    const wrapHandler = (stage: string, handler: EsmHandler): EsmHandler =>
      stage !== 'sink'
        ? handler
        : async (event: MskEvent, context: Context) => {
            deliveries.push({
              records: Object.values(event.records).flatMap((rs) => rs.map((r) => ({ partition: r.partition, offset: r.offset }))),
            });
            const delivery = deliveries[deliveries.length - 1] as Delivery;
            const gate = gates.find((g) => g.matches(delivery));
            if (gate) {
              gates.splice(gates.indexOf(gate), 1);
              gate.reached(delivery);
              await gate.opened;
            }
            return handler(event, context);
          };
    twin = await startTwin({
      pipeline: definePipeline({ name: 'seek', partitions: PARTITIONS }),
      store: { databaseUrl: store.url },
      wrapHandler,
    });
  }, 240_000);

  afterAll(async () => {
    await twin?.stop();
    await store?.dispose();
  });

  it('delivers again exactly the records at or after the time, from the first of them, storing nothing twice', async () => {
    await produce(CHUNK);
    expect(await twin.drain(120_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const time = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await produce(CHUNK);
    expect(await twin.drain(120_000)).toBe(true);
    const before = { stats: twin.mappings.sink.stats(), deliveries: deliveries.length, stored: await storedCounts() };
    expect(before.stored).toEqual(everyEventOnce());

    const records = await enriched();
    const expected = new Map<number, number[]>();
    for (const m of records.filter((r) => Number(r.timestamp) >= time)) {
      expected.set(m.partition, [...(expected.get(m.partition) ?? []), Number(m.offset)]);
    }
    const expectedCount = [...expected.values()].reduce((sum, offsets) => sum + offsets.length, 0);
    expect(expected.size).toBe(PARTITIONS);
    expect(expectedCount).toBeGreaterThanOrEqual(CHUNK);
    expect(expectedCount).toBeLessThan(records.length);

    const result = await twin.seekStage('sink', time);
    expect(result.partitions.map((p) => p.offset)).toEqual([...Array(PARTITIONS).keys()].map((p) => expected.get(p)?.[0]));
    expect(await twin.drain(120_000)).toBe(true);

    // (a) exactly the records at or after the time, each partition from its first such record on.
    expect(deliveredSince(before.deliveries)).toEqual(expected);
    const after = twin.mappings.sink.stats();
    expect(after.invokedRecords - before.stats.invokedRecords).toBe(expectedCount);
    expect(after.committed - before.stats.committed).toBe(expectedCount);
    // (b) the idempotent sink stored nothing twice; (c) nothing is left unconsumed.
    expect(await storedCounts()).toEqual(before.stored);
    expect(await sinkLags()).toEqual(Array(PARTITIONS).fill(0));
  }, 300_000);

  it('lets a batch being invoked finish without moving its partitions back past the seek', async () => {
    const time = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const first = addGate(() => true);
    const from = deliveries.length;
    await produce(CHUNK);
    const held = await first.reached;
    const heldPartitions = [...new Set(held.records.map((r) => r.partition))];

    const result = await twin.seekStage('sink', time);
    const target = new Map(result.partitions.map((p) => [p.partition, p.offset]));
    expect(held.records.some((r) => r.offset >= (target.get(r.partition) ?? Number.POSITIVE_INFINITY))).toBe(true);
    // The next batch of a held partition comes once the held batch has committed (or not) and released it.
    const partition = heldPartitions[0] as number;
    const next = addGate((d) => d.records.some((r) => r.partition === partition));
    first.open();
    const redelivered = await next.reached;
    expect(redelivered.records.find((r) => r.partition === partition)?.offset).toBe(target.get(partition));
    expect((await sinkGroup()).find((p) => p.partition === partition)?.committed).toBe(target.get(partition));
    next.open();
    expect(await twin.drain(120_000)).toBe(true);

    // Every held partition is delivered again from the seek target after the held batch.
    const index = deliveries.indexOf(held);
    for (const p of heldPartitions) {
      const after = deliveries.slice(index + 1).find((d) => d.records.some((r) => r.partition === p));
      expect(after?.records.find((r) => r.partition === p)?.offset).toBe(target.get(p));
    }
    // Every record of the chunk reached the sink; stored once each; lag 0 everywhere.
    const seen = deliveredSince(from);
    const records = await enriched();
    for (const m of records.filter((r) => Number(r.timestamp) >= time)) expect(seen.get(m.partition)).toContain(Number(m.offset));
    expect(await storedCounts()).toEqual(everyEventOnce());
    await waitFor('lag 0 on every partition', async () => (await sinkLags()).every((lag) => lag === 0), 30_000);
  }, 300_000);

  it('a time after every record moves to the end: nothing is delivered again', async () => {
    const before = deliveries.length;
    const result = await twin.seekStage('sink', Date.now() + 60_000);
    expect(result.partitions.every((p) => p.offset === p.end)).toBe(true);
    expect(await twin.drain(60_000)).toBe(true);
    expect(deliveries.length).toBe(before);
    expect(await sinkLags()).toEqual(Array(PARTITIONS).fill(0));
  }, 120_000);
});
