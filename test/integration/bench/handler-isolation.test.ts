import { afterEach, describe, expect, it } from 'vitest';
import { freshBenchStore } from '../../../bench/harness/bench-stores.js';
import { measureIsolatedHandlers } from '../../../bench/measure/handler-isolation.js';
import { STAGE_NAMES } from '../../../src/pipeline/definition.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('measureIsolatedHandlers', () => {
  it('invokes each real handler alone at each batch size and the sink really stores the events', async () => {
    const store = await freshBenchStore('postgres');
    cleanup.push(() => store.dispose());
    const result = await measureIsolatedHandlers({ store, batchSizes: [20, 60], invocationsPerSize: 2, seed: 3 });
    for (const stage of STAGE_NAMES) {
      const { points, fit } = result.stages[stage];
      expect(points.map((p) => p.records)).toEqual([20, 60]);
      for (const p of points) {
        expect(p.wallMs).toBeGreaterThan(0);
        expect(p.activeMs).toBeGreaterThan(0);
        expect(p.activeMs).toBeLessThanOrEqual(p.wallMs);
        // Producing to Kafka is part of the busy time, measured apart: ingest and enrich produce every record.
        expect(p.publishActiveMs).toBeLessThanOrEqual(p.activeMs);
        if (stage !== 'sink') expect(p.publishActiveMs).toBeGreaterThan(0);
      }
      expect(Number.isFinite(fit.wallMicrosPerRecord)).toBe(true);
    }
    // Warm-up and measured invocations of the sink: (3 + 2) x 20 + (3 + 2) x 60 events, each stored once.
    const [row] = (await store.client?.query<{ n: number }>('SELECT count(*)::int AS n FROM events')) ?? [];
    expect(row?.n).toBe(400);
  });
});
