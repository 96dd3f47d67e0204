import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { decodeMskEvent, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { pipeline } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import { SINK_TABLES } from '../../src/store/event-writer.js';
import { collectingPublisher, loadEvent, silentLogger } from '../helpers/fixtures.js';
import { rollupsAndRecomputation } from '../helpers/rollup-check.js';
import { STORES, type TestStore } from '../helpers/stores.js';

const source = { eventSource: 'aws:kafka' as const, bootstrapServers: 'localhost:9092' };

/** Sink input with `count` distinct events, cloned from the fixture with new ids. */
function enrichedRecords(count: number, idPrefix: string): KafkaRecord[] {
  const templates = decodeMskEvent(loadEvent('sink/valid-batch.json'));
  return Array.from({ length: count }, (_, i) => {
    const template = templates[i % templates.length] as KafkaRecord;
    const event = JSON.parse(String(template.value)) as Record<string, unknown>;
    event.eventId = `${idPrefix}-${i}`;
    return { ...template, offset: i, value: Buffer.from(JSON.stringify(event)) };
  });
}

describe.each(STORES)('sink on %s', (_name, open) => {
  let store: TestStore;
  let outcomes: StageOutcome[];
  let handler: StageHandler;

  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.dispose();
  });
  beforeEach(async () => {
    await store.client.query(`TRUNCATE ${SINK_TABLES.join(', ')}`);
    outcomes = [];
    handler = createStageHandler('sink', {
      pipeline,
      store: store.client,
      publisher: collectingPublisher(),
      logger: silentLogger,
      onOutcome: (o) => outcomes.push(o),
    });
  });

  it('stores the fixture batch with enriched columns and rollups', async () => {
    await handler(loadEvent('sink/valid-batch.json'));

    const rows = await store.client.query<{
      event_id: string;
      category: string | null;
      revenue_usd: number | null;
      country: string | null;
      device_class: string;
    }>('SELECT event_id, category, revenue_usd::float8 AS revenue_usd, country, device_class FROM events ORDER BY event_id');
    expect(rows).toHaveLength(8);
    expect(rows.find((r) => r.event_id === 'evt-0006')).toMatchObject({ revenue_usd: 56.84, country: 'DE', device_class: 'mobile' });
    expect(rows.find((r) => r.event_id === 'evt-0007')).toMatchObject({ device_class: 'pos', country: null });
    const { kept, recomputed } = await rollupsAndRecomputation(store.client);
    expect(kept).toEqual(recomputed);
    expect(outcomes[0]).toMatchObject({ records: 8, passed: 8, duplicates: 0 });
    expect(outcomes[0]?.latenciesMs).toHaveLength(8);
  });

  it('changes nothing when the same batch is delivered twice', async () => {
    const event = encodeMskEvent(enrichedRecords(300, 'twice'), source);
    await handler(structuredClone(event));
    const before = await rollupsAndRecomputation(store.client);

    await handler(structuredClone(event));

    const after = await rollupsAndRecomputation(store.client);
    expect(after.counts).toEqual({ events: 300, freshness: 300 });
    expect(after.kept).toEqual(before.kept);
    expect(after.kept).toEqual(after.recomputed);
    expect(outcomes[1]).toMatchObject({ records: 300, passed: 0, duplicates: 300 });
  });

  it('counts only the new rows of an overlapping batch, and duplicates inside one batch once', async () => {
    const all = enrichedRecords(500, 'overlap');
    await handler(encodeMskEvent(all.slice(0, 300), source));

    // 200 already stored, 200 new, and 50 of the new ones repeated within the batch.
    await handler(encodeMskEvent([...all.slice(100, 500), ...all.slice(300, 350)], source));

    const { kept, recomputed, counts } = await rollupsAndRecomputation(store.client);
    expect(counts).toEqual({ events: 500, freshness: 500 });
    expect(kept).toEqual(recomputed);
    expect(outcomes[1]).toMatchObject({ records: 450, passed: 200, duplicates: 250 });
    const batches = await store.client.query('SELECT records, inserted, duplicates FROM sink_batches ORDER BY batch_id');
    expect(batches).toEqual([
      { records: 300, inserted: 300, duplicates: 0 },
      { records: 450, inserted: 200, duplicates: 250 },
    ]);
  });

  it("keeps each session's and user's first funnel step times exact when batches arrive out of order and twice", async () => {
    // 600 events over 40 sessions and 25 users, times spread over 10 minutes, delivered newest batch first.
    const records = enrichedRecords(600, 'late').map((record, i) => {
      const event = JSON.parse(String(record.value)) as Record<string, unknown>;
      if (event.sessionId !== undefined) event.sessionId = `s-${(i * 7) % 40}`;
      if (event.userId !== undefined) event.userId = `u-${(i * 11) % 25}`;
      event.occurredAt = new Date(Date.UTC(2026, 10, 20, 12) - ((i * 7919) % 600_000)).toISOString();
      return { ...record, value: Buffer.from(JSON.stringify(event)) };
    });
    const batches = Array.from({ length: 12 }, (_, b) => records.slice(b * 50, b * 50 + 50)).reverse();
    for (const batch of [...batches, batches[3], batches[7]]) await handler(encodeMskEvent(batch as KafkaRecord[], source));

    const { kept, recomputed } = await rollupsAndRecomputation(store.client);
    expect(kept.funnel.length).toBeGreaterThanOrEqual(40);
    expect(kept.funnel).toEqual(recomputed.funnel);
  });

  it('sends an unreadable record to the DLQ and stores the rest', async () => {
    const publisher = collectingPublisher();
    const sink = createStageHandler('sink', { pipeline, store: store.client, publisher, logger: silentLogger });
    const records = [...decodeMskEvent(loadEvent('sink/malformed-record.json')), ...enrichedRecords(3, 'mixed')];

    await sink(encodeMskEvent(records, source));

    expect(publisher.records.map((r) => [r.topic, r.headers['tributary-dlq-reason']])).toEqual([
      [pipeline.topics.dlq.name, 'MALFORMED_INTERNAL_RECORD'],
    ]);
    expect((await rollupsAndRecomputation(store.client)).counts).toMatchObject({ events: 3 });
  });
});
