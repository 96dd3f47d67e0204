/**
 * The archive end to end on the twin (embedded Kafka, real PostgreSQL): 20,000 generated records
 * whose event times spread over three hours, archived as Parquet by the twin's Firehose emulation.
 * Then: every valid event is in the archive exactly once after dedup; a named query over a range
 * spanning archive and store equals the same query over the store alone; replaying the raw archive
 * into an empty store reproduces the same rollups, and replaying it again changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveReader } from '../../local/archive/archive-reader.js';
import { replayArchive } from '../../local/archive/archive-replay.js';
import { localArchiveTables } from '../../local/archive/archive-tables.js';
import { GeneratorLedger } from '../../local/generator/generator-ledger.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { runHistoricalQuery } from '../../src/analytics/historical-query.js';
import { runNamedQuery } from '../../src/analytics/index.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { rollupsAndRecomputation } from '../helpers/rollup-check.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const EVENTS = 20_000;
const START = Date.parse('2026-11-03T09:00:00.000Z');
// Half a second of event time per record: 20,000 records cover about 2.8 hours (three hour partitions).
const STEP_MS = 500;
/** drain(), tried again when a request times out on the loaded machine (the twin's Kafka clients use kafkajs's 1 s connect timeout). */
async function drain(twin: LocalTwin, timeoutMs: number): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await twin.drain(timeoutMs);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || error.name !== 'KafkaJSConnectionError') throw error;
    }
  }
}

const ROLLUPS = async (store: TestStore) => {
  const { kept } = await rollupsAndRecomputation(store.client);
  return kept;
};

describe('archive: write, query beside the store, replay (embedded Kafka, PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-archive-'));
  const ledger = new GeneratorLedger();
  let store: TestStore;
  let replayStore: TestStore | undefined;
  let twin: LocalTwin | undefined;
  let reader: ArchiveReader;
  let archiveDrained = false;

  beforeAll(async () => {
    store = await postgresTestStore();
    twin = await startTwin({
      pipeline: definePipeline({ name: 'hist', partitions: 4 }),
      store: { databaseUrl: store.url },
      archive: { dir, intervalMs: 1_000, sizeBytes: 1024 * 1024 },
    });
    let clock = START;
    const generator = createTrafficGenerator({ seed: 7, invalidShare: 0.02, duplicateShare: 0.01, now: () => (clock += STEP_MS) });
    await runGenerator({
      generator,
      publisher: twin.publisher,
      topic: twin.pipeline.topics.raw.name,
      ratePerSecond: 10_000,
      maxEvents: EVENTS,
      ledger,
    });
    await drain(twin, 180_000);
    archiveDrained = (await twin.archive?.drain(120_000)) ?? false;
    await twin.stop();
    twin = undefined;
    reader = await ArchiveReader.open(dir);
  }, 420_000);

  afterAll(async () => {
    await twin?.stop();
    reader?.close();
    await store?.dispose();
    await replayStore?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('archives every valid event exactly once after dedup, and every raw record', async () => {
    expect(archiveDrained).toBe(true);
    const tables = localArchiveTables(reader);
    const archive = await tables.open({ from: new Date(START - 3_600_000), to: new Date(START + 4 * 3_600_000), allBefore: false });
    try {
      const rows = await archive.db.query<{ event_id: string }>('SELECT event_id FROM events');
      const ids = rows.map((r) => r.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(ledger.validEventIds);
      expect(archive.notes).toEqual([]);
    } finally {
      await archive.close();
    }
    const raw = await reader.files('raw', { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY });
    const connection = await reader.connect();
    const list = raw.files.map((f) => `'${f}'`).join(', ');
    const [counts] = (
      await connection.runAndReadAll(
        `SELECT count(DISTINCT (kafka_partition, kafka_offset))::INTEGER AS records, count(*) FILTER (WHERE key IS NOT NULL)::INTEGER AS keyed FROM read_parquet([${list}])`,
      )
    ).getRowObjects();
    connection.closeSync();
    expect(counts?.records).toBe(EVENTS);
    expect(Number(counts?.keyed)).toBeGreaterThan(EVENTS / 2);
  });

  it('answers a range spanning archive and store as the store alone does', async () => {
    const from = new Date(START).toISOString();
    const to = new Date(START + 3 * 3_600_000).toISOString();
    const now = new Date(START + 4 * 3_600_000);
    // The store still holds everything; the horizon pretends it keeps only the last 1.5 hours.
    const sources = { store: store.client, archive: localArchiveTables(reader), storeHorizon: new Date(START + 90 * 60_000 + 30_000) };
    const cases: [string, Record<string, string>][] = [
      ['top', { dimension: 'sku', metric: 'revenue_usd', n: '10', from, to }],
      ['top', { dimension: 'country', metric: 'events', from, to }],
      ['timeseries', { metric: 'events', bucket: '15m', split: 'event_type', from, to }],
      ['funnel', { by: 'session', from, to }],
    ];
    for (const [name, params] of cases) {
      const spanning = await runHistoricalQuery(sources, name, params, { now });
      const storeAlone = await runNamedQuery(store.client, name, params, { now });
      expect(spanning.sources.some((s) => s.startsWith('archive:'))).toBe(true);
      expect(spanning.sources.some((s) => !s.startsWith('archive:'))).toBe(true);
      expect(spanning.columns).toEqual(storeAlone.columns);
      expect(spanning.rows.length).toBe(storeAlone.rows.length);
      spanning.rows.forEach((row, i) => {
        row.forEach((cell, j) => {
          const expected = storeAlone.rows[i]?.[j];
          if (typeof cell === 'number' && typeof expected === 'number')
            expect(cell, `${name} row ${i} column ${j}`).toBeCloseTo(expected, 6);
          else expect(cell, `${name} row ${i} column ${j}`).toEqual(expected);
        });
      });
      expect(storeAlone.rows.length).toBeGreaterThan(0);
    }
  });

  it('replays the raw archive into an empty store with the same rollups; a second replay changes nothing', async () => {
    replayStore = await postgresTestStore();
    twin = await startTwin({ pipeline: definePipeline({ name: 'replay', partitions: 4 }), store: { databaseUrl: replayStore.url } });
    // Every record: invalid ones may carry any event time.
    const range = { from: new Date(0), to: new Date('3000-01-01T00:00:00Z') };
    const first = await replayArchive({ reader, publisher: twin.publisher, topic: twin.pipeline.topics.raw.name, ...range });
    expect(first.sent).toBe(EVENTS);
    expect(await drain(twin, 180_000)).toBe(true);
    expect(await ROLLUPS(replayStore)).toEqual(await ROLLUPS(store));

    const before = await replayStore.client.query('SELECT count(*)::int AS n FROM events');
    const second = await replayArchive({ reader, publisher: twin.publisher, topic: twin.pipeline.topics.raw.name, ...range });
    expect(second.sent).toBe(EVENTS);
    expect(await drain(twin, 180_000)).toBe(true);
    expect(await replayStore.client.query('SELECT count(*)::int AS n FROM events')).toEqual(before);
    expect(await ROLLUPS(replayStore)).toEqual(await ROLLUPS(store));
  }, 420_000);

  it('replays after a fix: the events enrich rejected before are stored now', async () => {
    if (!replayStore || !twin) throw new Error('the replay test did not run');
    const rejected = ledger.enrichRejectedEventIds;
    expect(rejected.size).toBeGreaterThan(0);
    const storedIds = async () =>
      new Set((await replayStore?.client.query<{ event_id: string }>('SELECT event_id FROM events'))?.map((r) => r.event_id));
    const before = await storedIds();
    expect([...rejected].some((id) => before.has(id))).toBe(false);

    // The fix: the unknown products and the currencies without a rate, as the archived raw records name them.
    const raw = await reader.files('raw', { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY });
    const connection = await reader.connect();
    const named = (
      await connection.runAndReadAll(
        `SELECT DISTINCT json_extract_string(decode(value), '$.sku') AS sku, upper(json_extract_string(decode(value), '$.currency')) AS currency
           FROM read_parquet([${raw.files.map((f) => `'${f}'`).join(', ')}]) WHERE event_id IN (${[...rejected].map((id) => `'${id}'`).join(', ')})`,
      )
    ).getRowObjects();
    connection.closeSync();
    for (const { sku, currency } of named) {
      if (typeof sku === 'string') {
        await replayStore.client.query(
          `INSERT INTO products (sku, name, category, list_price_usd) VALUES ($1, 'Restocked', 'home', 10) ON CONFLICT DO NOTHING`,
          [sku],
        );
      }
      if (typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)) {
        await replayStore.client.query('INSERT INTO currency_rates (currency, usd_rate) VALUES ($1, 1) ON CONFLICT DO NOTHING', [currency]);
      }
    }
    // A new twin reads the reference data afresh (the running one caches it).
    await twin.stop();
    twin = await startTwin({ pipeline: definePipeline({ name: 'replay', partitions: 4 }), store: { databaseUrl: replayStore.url } });
    await replayArchive({
      reader,
      publisher: twin.publisher,
      topic: twin.pipeline.topics.raw.name,
      from: new Date(0),
      to: new Date('3000-01-01T00:00:00Z'),
    });
    expect(await drain(twin, 180_000)).toBe(true);

    const after = await storedIds();
    expect([...rejected].filter((id) => !after.has(id))).toEqual([]);
    expect(after.size).toBe(before.size + rejected.size);
  }, 420_000);
});
