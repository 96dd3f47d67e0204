/**
 * Bad input at the edge: thousands of hostile raw records (fast-check) through ingest -> enrich ->
 * sink on the real PostgreSQL, first through the handlers with a collecting publisher (shrinking
 * any failure to a minimal batch), then once through the twin. No stage may throw; every record
 * ends in the store or the DLQ with a reason; text reaches the store verbatim and SQL in it stays data.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { eventIdOf } from '../../local/dlq/dlq-entry.js';
import { startTwin } from '../../local/twin/local-twin.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { eventSchemas, isEventType } from '../../src/events/event-schemas.js';
import { INVALID_REASONS } from '../../src/events/invalid-reason.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import { createKafka, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { HeaderValue, KafkaRecord, OutputRecord } from '../../src/kafka/msk-event.js';
import { encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { type HostileCase, hostileCase, hostileValue, SQL_TEXT } from '../faults/hostile-records.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';
import { verifyPipeline } from '../verify/pipeline-verifier.js';
import { SequenceLedger } from '../verify/sequence-ledger.js';
import { produceSequenced, type SequencedInput } from '../verify/sequenced-producer.js';
import { waitForDrain } from '../verify/wait-for-drain.js';

const TRACE_HEADER = 'fuzz-trace';
const TABLES = [
  'events',
  'metrics_minute',
  'product_minute',
  'freshness_minute',
  'funnel_entities',
  'sink_batches',
  'products',
  'currency_rates',
  'ip_ranges',
];
const logger = new Logger({ serviceName: 'edge-fuzz', logLevel: 'CRITICAL' });

/** A publisher that keeps what a stage produced, for the next stage. */
class CollectingPublisher implements RecordPublisher {
  records: OutputRecord[] = [];
  async publish(records: readonly OutputRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async close(): Promise<void> {}
  take(): OutputRecord[] {
    return this.records.splice(0);
  }
}

const toBuffer = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/** What the next stage receives for a produced record. */
function asConsumed(record: OutputRecord, offset: number): KafkaRecord {
  const headers = Object.entries(record.headers).flatMap(([key, value]) => {
    const values: HeaderValue[] = Array.isArray(value) ? value : [value];
    return values.map((v) => ({ key, value: v === null ? null : toBuffer(v) }));
  });
  return {
    topic: record.topic,
    partition: 0,
    offset,
    timestamp: Date.now(),
    timestampType: 'CREATE_TIME',
    key: record.key === null ? null : toBuffer(record.key),
    value: record.value === null ? null : toBuffer(record.value),
    headers,
  };
}

const headerOf = (record: OutputRecord, name: string) => {
  const value = record.headers[name];
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
};

/** A value with its object keys in one order, keys like __proto__ kept as data. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.keys(value)
    .sort()
    .map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
}

const TEXT_FIELDS = ['url', 'query', 'referrer', 'userAgent', 'properties'] as const;

/**
 * The free-text fields of a stored event, or of its input, that the stored payload must hold unchanged.
 * Only fields the event type's schema defines count: ingest drops the fields a type does not have.
 */
function textFields(source: Record<string, unknown>, type: unknown): Record<string, unknown> {
  const shape = isEventType(type) ? eventSchemas[type].shape : {};
  const kept = TEXT_FIELDS.filter((f) => Object.hasOwn(shape, f) && Object.hasOwn(source, f));
  return Object.fromEntries(kept.map((f) => [f, canonical(source[f])]));
}

async function tablesIntact(store: SqlQueryable): Promise<{ missing: string[]; products: number; pwned: number }> {
  const rows = await store.query<{ name: string; present: boolean }>(
    'SELECT name, to_regclass(name) IS NOT NULL AS present FROM unnest($1::text[]) AS name',
    [TABLES],
  );
  const [counts] = await store.query<{ products: number; pwned: number }>(
    "SELECT count(*)::int AS products, (count(*) FILTER (WHERE name = 'pwned'))::int AS pwned FROM products",
  );
  return { missing: rows.filter((r) => !r.present).map((r) => r.name), products: counts?.products ?? 0, pwned: counts?.pwned ?? 0 };
}

/** Stored payloads by event id. */
async function storedPayloads(store: SqlQueryable, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await store.query<{ event_id: string; payload: Record<string, unknown> }>(
    'SELECT event_id, payload FROM events WHERE event_id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.event_id, r.payload]));
}

describe('edge fuzz: hostile raw records through ingest -> enrich -> sink', () => {
  let store: TestStore;
  let seededProducts = 0;

  beforeAll(async () => {
    store = await postgresTestStore();
    seededProducts = (await tablesIntact(store.client)).products;
  });

  afterAll(async () => {
    await store?.dispose();
  });

  it('handlers: no stage throws, every record ends stored or in the DLQ with a reason, text stored verbatim', async () => {
    const pipeline = definePipeline({ name: 'fuzz' });
    const publisher = new CollectingPublisher();
    const common = { pipeline, publisher, logger };
    const ingest = createStageHandler('ingest', common);
    const enrich = createStageHandler('enrich', { ...common, reference: new ReferenceDataCache(storeReferenceData(store.client)) });
    const sink = createStageHandler('sink', { ...common, store: store.client });
    const source = { eventSource: 'aws:kafka' as const, bootstrapServers: 'fuzz:9092' };
    let run = 0;
    let records = 0;

    /** One batch through the three stages; throws (so fast-check shrinks it) at the first broken promise. */
    const check = async (cases: HostileCase[]) => {
      run++;
      const trace = cases.map((_, i) => `fz${run}-${i}`);
      const raw: KafkaRecord[] = cases.map((c, i) => ({
        topic: pipeline.topics.raw.name,
        partition: 0,
        offset: i,
        timestamp: Date.now(),
        timestampType: 'CREATE_TIME',
        key: c.key === null ? null : Buffer.from(c.key, 'utf8'),
        value: hostileValue(c, trace[i] as string),
        headers: [{ key: TRACE_HEADER, value: Buffer.from(trace[i] as string) }],
      }));
      records += raw.length;
      const dlq = new Map<string, OutputRecord[]>();
      const pass = async (
        stage: string,
        handler: typeof ingest,
        input: KafkaRecord[],
        nextTopic: string | undefined,
      ): Promise<KafkaRecord[]> => {
        if (input.length === 0) return [];
        await expect(handler(encodeMskEvent(input, source)), `${stage} must not throw`).resolves.toEqual({ batchItemFailures: [] });
        const next: KafkaRecord[] = [];
        for (const out of publisher.take()) {
          const id = headerOf(out, TRACE_HEADER) ?? '?';
          if (out.topic === pipeline.topics.dlq.name) dlq.set(id, [...(dlq.get(id) ?? []), out]);
          else if (out.topic === nextTopic) next.push(asConsumed(out, next.length));
          else throw new Error(`${stage} wrote to unexpected topic ${out.topic}`);
        }
        return next;
      };
      const clean = await pass('ingest', ingest, raw, pipeline.topics.clean.name);
      const enriched = await pass('enrich', enrich, clean, pipeline.topics.enriched.name);
      await pass('sink', sink, enriched, undefined);

      // What reached the sink, by trace id, with the event id it carried.
      const sunk = new Map(
        enriched.map((r) => [
          r.headers.find((h) => h.key === TRACE_HEADER)?.value?.toString() ?? '?',
          (JSON.parse(String(r.value)) as { eventId: string }).eventId,
        ]),
      );
      const stored = await storedPayloads(store.client, [...sunk.values()]);
      cases.forEach((c, i) => {
        const id = trace[i] as string;
        const inDlq = dlq.get(id) ?? [];
        const eventId = sunk.get(id);
        const isStored = eventId !== undefined && stored.has(eventId);
        const where = `${c.kind} ${id}`;
        expect(inDlq.length + (isStored ? 1 : 0), `${where}: one outcome`).toBe(1);
        for (const entry of inDlq) {
          expect(INVALID_REASONS, `${where}: DLQ reason`).toContain(headerOf(entry, DlqHeader.reason));
          expect(headerOf(entry, DlqHeader.detail)?.length, `${where}: DLQ detail`).toBeGreaterThan(0);
          // Buffer.equals: the matcher's element-by-element walk takes seconds on records of 100s of KiB.
          const original = raw[i]?.value ?? null;
          const kept = entry.value === null || original === null ? entry.value === original : toBuffer(entry.value).equals(original);
          expect(kept, `${where}: DLQ keeps the bytes`).toBe(true);
        }
        // An event stored under the id this run gave it is checked field by field against the input.
        if (isStored && eventId === id) {
          const input = JSON.parse(hostileValue(c, id).toString('utf8')) as Record<string, unknown>;
          expect(textFields(stored.get(id) as Record<string, unknown>, input.type), `${where}: stored verbatim`).toEqual(
            textFields(input, input.type),
          );
        }
      });
    };

    await fc.assert(fc.asyncProperty(fc.array(hostileCase, { minLength: 1, maxLength: 200, size: 'max' }), check), {
      numRuns: 25,
      seed: 20_261_125,
      endOnFailure: false,
    });
    expect(records).toBeGreaterThanOrEqual(2000);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(await tablesIntact(store.client)).toEqual({ missing: [], products: seededProducts, pwned: 0 });
  }, 300_000);

  it('twin: a few thousand hostile records end stored or in the DLQ, nothing lost, SQL text inert', async () => {
    const twinStore = await postgresTestStore();
    const twin = await startTwin({
      pipeline: definePipeline({ name: 'fuzz', partitions: 3, batchSize: 200, batchingWindowMs: 50 }),
      store: { databaseUrl: twinStore.url },
      retryBackoff: { initialMs: 50, maxMs: 500 },
      onWarning: () => {},
    });
    try {
      // Within the mock cluster's 5 MiB per partition: a few oversized records, one of about 1 MiB.
      const cases = fc.sample(hostileCase, { numRuns: 3000, seed: 7 });
      let large = 0;
      const chosen = cases.filter((c) => hostileValue(c, 'x').length < 64 * 1024 || ++large <= 6);
      chosen.push({
        kind: 'oversized record',
        text: JSON.stringify({ eventId: '@@ID@@', type: 'page_view', blob: 'x'.repeat(1_000_000) }),
        key: 'big',
      });
      const inputs = chosen.map((c, i): SequencedInput => {
        const value = hostileValue(c, `tw-${i}`);
        // Whatever id the record carries (ours, or one a mutation put there) is where a stored copy is found.
        const eventId = eventIdOf(value);
        return { key: c.key, value, expect: { outcome: 'stored-or-dlq', ...(eventId !== undefined ? { eventId } : {}) } };
      });
      let next = 0;
      const ledger = new SequenceLedger();
      const produced = await produceSequenced({
        source: { next: () => inputs[next++] as SequencedInput },
        publisher: twin.publisher,
        topic: twin.pipeline.topics.raw.name,
        ledger,
        count: inputs.length,
        batchSize: 50,
      });
      expect(produced.unacknowledged).toBe(0);
      const kafka = createKafka(twin.cluster.connection);
      const drained = await waitForDrain({
        kafka,
        pipeline: twin.pipeline,
        mappings: () => Object.values(twin.mappings),
        timeoutMs: 180_000,
      });
      const { row, problems } = await verifyPipeline({
        fault: 'hostile input',
        pipeline: twin.pipeline,
        kafka,
        store: twinStore.client,
        ledger,
      });

      expect(problems).toEqual([]);
      expect(drained).toBe(true);
      expect(row).toMatchObject({ acknowledged: inputs.length, lost: 0, duplicated: 0, failureDestination: 0 });
      expect(row.stored).toBeGreaterThan(100);
      expect(row.inDlq).toBeGreaterThan(1000);

      // SQL text that was valid input is stored as data, byte for byte, and every table is still there.
      const sqlIds = inputs.flatMap((input, i) =>
        SQL_TEXT.some((s) => input.value?.toString().includes(JSON.stringify(s).slice(1, -1))) ? [`tw-${i}`] : [],
      );
      const stored = await storedPayloads(twinStore.client, sqlIds);
      expect(stored.size).toBeGreaterThan(0);
      for (const [id, payload] of stored) {
        const input = JSON.parse(String(inputs[Number(id.slice(3))]?.value)) as Record<string, unknown>;
        expect(textFields(payload, input.type)).toEqual(textFields(input, input.type));
      }
      expect(await tablesIntact(twinStore.client)).toEqual({ missing: [], products: seededProducts, pwned: 0 });
    } finally {
      await twin.stop();
      await twinStore.dispose();
    }
  }, 400_000);
});
