import { describe, expect, it } from 'vitest';
import { GeneratorOptionsError, GeneratorPublishError } from '../../local/generator/errors.js';
import { GeneratorLedger } from '../../local/generator/generator-ledger.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator, type GeneratedRecord } from '../../local/generator/storefront-traffic.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { collectingPublisher } from '../helpers/fixtures.js';

const T0 = Date.UTC(2026, 10, 20, 12);
const RAW = 'tributary-raw';
const generatorFor = (seed: number) => {
  let t = T0;
  return createTrafficGenerator({ seed, now: () => t++, invalidShare: 0.03, duplicateShare: 0.02 });
};

/** A publisher whose publishes resolve only when the test says so; counts concurrency. */
function gatedPublisher() {
  const pending: { records: readonly OutputRecord[]; resolve: () => void }[] = [];
  const state = { published: [] as OutputRecord[], inFlight: 0, maxInFlight: 0, calls: 0 };
  const publisher: RecordPublisher = {
    publish(records) {
      state.calls++;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      return new Promise<void>((resolve) => {
        pending.push({
          records,
          resolve: () => {
            state.inFlight--;
            state.published.push(...records);
            resolve();
          },
        });
      });
    },
    async close() {},
  };
  const releaseAll = () => {
    for (const p of pending.splice(0)) p.resolve();
  };
  return { publisher, state, pending, releaseAll };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('runGenerator', () => {
  it('sends exactly maxEvents in batches and tallies them like the records it sent', async () => {
    const publisher = collectingPublisher();
    const batches: number[] = [];
    const counting: RecordPublisher = {
      publish: (records) => {
        batches.push(records.length);
        return publisher.publish(records);
      },
      close: async () => {},
    };
    const ledger = new GeneratorLedger();

    const summary = await runGenerator({
      generator: generatorFor(4),
      publisher: counting,
      topic: RAW,
      ratePerSecond: Number.POSITIVE_INFINITY,
      maxEvents: 5000,
      batchSize: 400,
      ledger,
    });

    // The same seed again gives the records that should have been sent.
    const twin = generatorFor(4);
    const expected: GeneratedRecord[] = Array.from({ length: 5000 }, () => twin.next());
    expect(publisher.records.map((r) => [r.topic, r.key, r.value === null ? null : Buffer.from(r.value).toString('base64')])).toEqual(
      expected.map((r) => [RAW, r.key, r.value === null ? null : r.value.toString('base64')]),
    );
    expect(Math.max(...batches)).toBeLessThanOrEqual(400);
    expect(batches.length).toBeLessThan(5000 / 100);
    const kinds = (kind: string) => expected.filter((r) => r.kind === kind).length;
    expect(summary).toMatchObject({
      sent: 5000,
      acknowledged: 5000,
      records: 5000,
      stoppedBy: 'maxEvents',
      byKind: { valid: kinds('valid'), invalid: kinds('invalid'), duplicate: kinds('duplicate') },
      distinctValidEvents: new Set(expected.filter((r) => r.kind !== 'invalid').map((r) => r.eventId)).size,
    });
    const reasons: Record<string, number> = {};
    for (const r of expected) if (r.expectedReason) reasons[r.expectedReason] = (reasons[r.expectedReason] ?? 0) + 1;
    expect(summary.byReason).toEqual(reasons);
    expect(summary.byStage.ingest + summary.byStage.enrich).toBe(kinds('invalid'));
    expect(ledger.validEventIds.size).toBe(summary.distinctValidEvents);
    expect(ledger.enrichRejectedEventIds.size).toBe(summary.byStage.enrich);
  });

  it('holds the target rate: N records at R/s take at least N/R seconds', async () => {
    const publisher = collectingPublisher();
    const summary = await runGenerator({ generator: generatorFor(1), publisher, topic: RAW, ratePerSecond: 4000, maxEvents: 1200 });

    expect(summary.acknowledged).toBe(1200);
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(280);
    expect(summary.actualRatePerSecond).toBeLessThanOrEqual(4000 * 1.1);
  });

  it('stops after durationMs without sending more than the rate allows', async () => {
    const publisher = collectingPublisher();
    const summary = await runGenerator({ generator: generatorFor(2), publisher, topic: RAW, ratePerSecond: 1000, durationMs: 150 });

    expect(summary.stoppedBy).toBe('duration');
    expect(summary.acknowledged).toBeGreaterThan(0);
    expect(summary.acknowledged).toBeLessThanOrEqual(150);
    expect(publisher.records).toHaveLength(summary.acknowledged);
  });

  it('keeps at most maxInFlight publishes waiting, and on abort waits for them and counts their acks', async () => {
    const { publisher, state, releaseAll } = gatedPublisher();
    const abort = new AbortController();
    let loops = 0;
    const run = runGenerator({
      generator: generatorFor(3),
      publisher,
      topic: RAW,
      ratePerSecond: 100_000,
      batchSize: 50,
      signal: abort.signal,
      progressIntervalMs: 0,
      onProgress: () => loops++,
    });

    await waitUntil(() => state.inFlight === 2);
    // Nothing acknowledged yet: a few more rounds of the loop start no further publish, however many tokens pile up.
    const seen = loops;
    await waitUntil(() => loops >= seen + 3);
    expect(state.calls).toBe(2);
    abort.abort();
    releaseAll();
    const summary = await run;

    expect(state.maxInFlight).toBe(2);
    expect(summary.stoppedBy).toBe('abort');
    expect(summary.sent).toBe(100);
    expect(summary.acknowledged).toBe(100);
    expect(state.published).toHaveLength(100);
  });

  it('stops on abort part-way through a run, having lost no acknowledged record', async () => {
    const abort = new AbortController();
    const records: OutputRecord[] = [];
    const publisher: RecordPublisher = {
      async publish(batch) {
        records.push(...batch);
        if (records.length >= 2000) abort.abort();
      },
      async close() {},
    };
    const summary = await runGenerator({
      generator: generatorFor(5),
      publisher,
      topic: RAW,
      ratePerSecond: 50_000,
      batchSize: 250,
      signal: abort.signal,
    });

    expect(summary.stoppedBy).toBe('abort');
    expect(summary.acknowledged).toBe(records.length);
    expect(summary.sent).toBe(records.length);
    expect(summary.byKind.valid + summary.byKind.invalid + summary.byKind.duplicate).toBe(records.length);
  });

  it('fails with the count acknowledged before Kafka refused a batch', async () => {
    const publisher = collectingPublisher();
    let calls = 0;
    const failing: RecordPublisher = {
      async publish(records) {
        if (++calls === 3) throw new Error('KafkaJSNumberOfRetriesExceeded');
        await publisher.publish(records);
      },
      async close() {},
    };

    const error = await runGenerator({
      generator: generatorFor(6),
      publisher: failing,
      topic: RAW,
      ratePerSecond: Number.POSITIVE_INFINITY,
      batchSize: 100,
      maxInFlight: 1,
      maxEvents: 1000,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GeneratorPublishError);
    const { summary, message } = error as GeneratorPublishError;
    expect(message).toBe(`publishing to ${RAW} failed after 200 acknowledged records: KafkaJSNumberOfRetriesExceeded`);
    expect(summary).toMatchObject({ acknowledged: 200, sent: 300, stoppedBy: 'error' });
    expect(publisher.records).toHaveLength(200);
  });

  it('sends a tombstone as a null value', async () => {
    const publisher = collectingPublisher();
    const tombstone: GeneratedRecord = { key: 'u-1', value: null, kind: 'invalid', expectedReason: 'EMPTY_VALUE', expectedStage: 'ingest' };
    await runGenerator({
      generator: { next: () => tombstone },
      publisher,
      topic: RAW,
      ratePerSecond: Number.POSITIVE_INFINITY,
      maxEvents: 1,
    });

    expect(publisher.records).toEqual([{ topic: RAW, key: 'u-1', value: null, headers: {} }]);
  });

  it('rejects options out of range', async () => {
    const publisher = collectingPublisher();
    const base = { generator: generatorFor(1), publisher, topic: RAW };
    await expect(runGenerator({ ...base, ratePerSecond: 0 })).rejects.toThrow(
      new GeneratorOptionsError('ratePerSecond must be a number > 0, got 0'),
    );
    await expect(runGenerator({ ...base, ratePerSecond: 10, batchSize: 0.5 })).rejects.toThrow(/batchSize must be a whole number/);
    await expect(runGenerator({ ...base, ratePerSecond: 10, durationMs: -1 })).rejects.toThrow(/durationMs/);
  });
});
