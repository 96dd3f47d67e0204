/**
 * The whole pipeline on the twin: embedded Kafka, the real PostgreSQL server, every stage through
 * the event source mapping emulator. A fixed seed of 20,000 generated records with invalid ones and
 * duplicates, then counting: nothing lost, nothing doubled, every bad record in the DLQ with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorLedger } from '../../local/generator/generator-ledger.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { readTopicToEnd } from '../../local/kafka/read-topic.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { rollupsAndRecomputation } from '../helpers/rollup-check.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const EVENTS = 20_000;

describe('local twin end to end (embedded Kafka, PostgreSQL)', () => {
  let store: TestStore;
  let twin: LocalTwin;
  const ledger = new GeneratorLedger();
  let drained = false;

  beforeAll(async () => {
    store = await postgresTestStore();
    twin = await startTwin({ pipeline: definePipeline({ name: 'e2e', partitions: 4 }), store: { databaseUrl: store.url } });
    const generator = createTrafficGenerator({ seed: 2026, invalidShare: 0.02, duplicateShare: 0.01 });
    await runGenerator({
      generator,
      publisher: twin.publisher,
      topic: twin.pipeline.topics.raw.name,
      ratePerSecond: 10_000,
      maxEvents: EVENTS,
      ledger,
    });
    drained = await twin.drain(120_000);
  }, 240_000);

  afterAll(async () => {
    await twin?.stop();
    await store?.dispose();
  });

  it('drains: every stage consumed everything before it', () => {
    expect(ledger.totals().records).toBe(EVENTS);
    expect(drained).toBe(true);
  });

  it('stores exactly the distinct valid events', async () => {
    const rows = await store.client.query<{ event_id: string }>('SELECT event_id FROM events');
    const stored = new Set(rows.map((r) => r.event_id));

    expect(rows.length).toBe(ledger.totals().distinctValidEvents);
    expect(stored).toEqual(ledger.validEventIds);
    expect([...ledger.enrichRejectedEventIds].filter((id) => stored.has(id))).toEqual([]);
    expect(ledger.totals().byKind.duplicate).toBeGreaterThan(0);
  });

  it('puts exactly the invalid records in the DLQ, each with its reason', async () => {
    const messages = await readTopicToEnd(createKafka(twin.cluster.connection), twin.pipeline.topics.dlq.name);
    const byReason: Record<string, number> = {};
    for (const m of messages) {
      const reason = m.headers?.[DlqHeader.reason]?.toString() ?? 'none';
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }

    expect(messages.length).toBe(ledger.totals().byKind.invalid);
    expect(byReason).toEqual(ledger.totals().byReason);
    expect(Object.keys(byReason).length).toBeGreaterThanOrEqual(12);
  });

  it('keeps rollups equal to a recomputation from the events table', async () => {
    const { kept, recomputed, counts } = await rollupsAndRecomputation(store.client);

    expect(kept).toEqual(recomputed);
    expect(counts?.freshness).toBe(counts?.events);
  });

  it('has committed every stage past every record (nothing stored ahead of a commit is left behind)', async () => {
    const admin = createKafka(twin.cluster.connection).admin();
    await admin.connect();
    try {
      for (const stage of STAGE_NAMES) {
        const { consumerGroupId, inputTopic } = twin.pipeline.stages[stage];
        const ends = await admin.fetchTopicOffsets(inputTopic);
        const [committed] = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [inputTopic] });
        const committedBy = new Map(committed?.partitions.map((p) => [p.partition, p.offset]));
        for (const { partition, high } of ends) expect([stage, partition, committedBy.get(partition)]).toEqual([stage, partition, high]);
      }
    } finally {
      await admin.disconnect();
    }
    expect(Object.values(twin.mappings).map((m) => m.stats().sentToFailureDestination)).toEqual([0, 0, 0]);
  });
});
