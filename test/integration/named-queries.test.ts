/**
 * Every named query against a real PostgreSQL server and an in-memory PGlite holding the seeded
 * fixture; each expectation is computed here, in plain code, from the fixture's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryParameterError } from '../../src/analytics/errors.js';
import { assertEventsScanBounded } from '../../src/analytics/events-scan-guard.js';
import { type QueryResult, runNamedQuery } from '../../src/analytics/index.js';
import { NO_STATUS_SOURCE_NOTE } from '../../src/analytics/pipeline-query.js';
import type { PipelineStatusSource } from '../../src/analytics/pipeline-status.js';
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS } from '../../src/store/freshness-buckets.js';
import { type AnalyticsFixture, buildAnalyticsFixture, type FixtureEvent, insertAnalyticsFixture } from '../helpers/analytics-fixture.js';
import { STORES, type TestStore } from '../helpers/stores.js';

const NOW = new Date('2025-03-01T12:00:30.500Z');
const fixture: AnalyticsFixture = buildAnalyticsFixture({ now: NOW, seed: 7, sessions: 300 });
const MINUTE = 60_000;

const ms = (iso: string) => Date.parse(iso);
const inRange = (d: Date, from: string, to: string) => d.getTime() >= ms(from) && d.getTime() < ms(to);
const eventsIn = (from: string, to: string) => fixture.events.filter((e) => inRange(e.eventTime, from, to));
const bucketStarts = (from: string, to: string, step: number) => {
  const out: string[] = [];
  for (let t = ms(from); t < ms(to); t += step) out.push(new Date(t).toISOString());
  return out;
};
const bucketOf = (d: Date, step: number) => new Date(Math.floor(d.getTime() / step) * step).toISOString();
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const column = (result: QueryResult, name: string) => {
  const i = result.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${name} in ${result.columns.map((c) => c.name).join(', ')}`);
  return result.rows.map((row) => row[i]);
};

/**
 * Entities whose first product_view is in [from, to); step k when its first time is at or after step
 * k-1's first time and before `to`. Computed from all events: entering counts events before `from` too.
 */
function expectedFunnel(events: FixtureEvent[], key: 'sessionId' | 'userId', from: string, to: string): number[] {
  const steps = ['product_view', 'add_to_cart', 'checkout', 'purchase'];
  const firstTimes = new Map<string, number[]>();
  for (const e of events) {
    const id = e[key];
    const step = steps.indexOf(e.eventType);
    if (id === null || step < 0) continue;
    const times = firstTimes.get(id) ?? steps.map(() => Number.POSITIVE_INFINITY);
    times[step] = Math.min(times[step] as number, e.eventTime.getTime());
    firstTimes.set(id, times);
  }
  const [start, end] = [Date.parse(from), Date.parse(to)];
  const reached = [0, 0, 0, 0];
  for (const times of firstTimes.values()) {
    if (!((times[0] as number) >= start && (times[0] as number) < end)) continue;
    for (const [i, t] of times.entries()) {
      if (t >= end || (i > 0 && !(t >= (times[i - 1] as number)))) break;
      reached[i] = (reached[i] ?? 0) + 1;
    }
  }
  return reached;
}

describe.each(STORES)('named queries on %s', (_name, open) => {
  let store: TestStore;
  const run = (name: string, params: Record<string, string>, options: { status?: PipelineStatusSource } = {}) =>
    runNamedQuery(store.client, name, params, { now: NOW, ...options });

  beforeAll(async () => {
    store = await open();
    await insertAnalyticsFixture(store.client, fixture);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  describe('timeseries', () => {
    it('counts events per minute from the rollups over last=30m, the current minute included', async () => {
      const result = await run('timeseries', { last: '30m' });
      const from = '2025-03-01T11:30:00.000Z';
      const to = '2025-03-01T12:01:00.000Z';
      expect(result.params).toEqual({ metric: 'events', bucket: '1m', last: '30m', from, to });
      expect(result.sources).toEqual(['metrics_minute']);
      expect(result.columns).toEqual([
        { name: 'bucket', type: 'time' },
        { name: 'events', type: 'number' },
      ]);
      const window = eventsIn(from, to);
      expect(window.length).toBeGreaterThan(100);
      expect(result.rows).toEqual(
        bucketStarts(from, to, MINUTE).map((b) => [b, window.filter((e) => bucketOf(e.eventTime, MINUTE) === b).length]),
      );
    });

    it('splits revenue by category, keeping the largest series and saying how many were left out', async () => {
      const result = await run('timeseries', { metric: 'revenue_usd', bucket: '5m', split: 'category', series: '2', last: '45m' });
      const from = '2025-03-01T11:15:00.000Z';
      const to = '2025-03-01T12:05:00.000Z';
      expect(result.params).toMatchObject({ from, to, split: 'category', series: 2 });
      const window = eventsIn(from, to);
      const categories = [...new Set(window.map((e) => e.category ?? ''))];
      const totals = categories
        .map((c) => ({ c, total: sum(window.filter((e) => (e.category ?? '') === c).map((e) => e.revenueUsd ?? 0)) }))
        .sort((a, b) => b.total - a.total || byCodePoint(a.c, b.c));
      const top = totals.slice(0, 2).map((t) => t.c);
      expect(result.columns.slice(1)).toEqual(top.map((name) => ({ name, type: 'number', unit: 'USD' })));
      const buckets = bucketStarts(from, to, 5 * MINUTE);
      expect(result.rows.map((r) => r[0])).toEqual(buckets);
      for (const [i, c] of top.entries()) {
        const expected = buckets.map((b) =>
          sum(window.filter((e) => e.category === c && bucketOf(e.eventTime, 5 * MINUTE) === b).map((e) => e.revenueUsd ?? 0)),
        );
        const actual = result.rows.map((r) => r[i + 1] as number);
        for (const [j, v] of actual.entries()) expect(v).toBeCloseTo(expected[j] as number, 2);
      }
      expect(result.notes).toEqual([`showing the 2 largest of ${categories.length} category series; "series" allows up to 20`]);
    });

    it('reads raw events for 10-second buckets', async () => {
      const from = '2025-03-01T11:40:00.000Z';
      const to = '2025-03-01T11:45:00.000Z';
      const result = await run('timeseries', { metric: 'quantity', bucket: '10s', from, to });
      expect(result.sources).toEqual(['events']);
      expect(result.rows).toHaveLength(30);
      const window = eventsIn(from, to);
      expect(result.rows).toEqual(
        bucketStarts(from, to, 10_000).map((b) => [
          b,
          sum(window.filter((e) => bucketOf(e.eventTime, 10_000) === b).map((e) => e.quantity ?? 0)),
        ]),
      );
    });

    it('counts distinct active users per bucket and device class from raw events', async () => {
      const from = '2025-03-01T11:20:00.000Z';
      const to = '2025-03-01T11:50:00.000Z';
      const result = await run('timeseries', { metric: 'active_users', bucket: '5m', split: 'device_class', from, to });
      expect(result.sources).toEqual(['events']);
      const window = eventsIn(from, to);
      const buckets = bucketStarts(from, to, 5 * MINUTE);
      const users = (cls: string, b: string) =>
        new Set(
          window.filter((e) => e.deviceClass === cls && e.userId !== null && bucketOf(e.eventTime, 5 * MINUTE) === b).map((e) => e.userId),
        ).size;
      const classes = [...new Set(window.map((e) => e.deviceClass))]
        .map((c) => ({ c, total: sum(buckets.map((b) => users(c, b))) }))
        .sort((a, b) => b.total - a.total || byCodePoint(a.c, b.c))
        .map((x) => x.c);
      expect(result.columns.map((c) => c.name)).toEqual(['bucket', ...classes]);
      expect(result.rows).toEqual(buckets.map((b) => [b, ...classes.map((c) => users(c, b))]));
      expect(result.notes).toEqual([]);
    });

    it('filters by event type', async () => {
      const result = await run('timeseries', { metric: 'bot_events', event_type: 'page_view', last: '1h' });
      const from = '2025-03-01T11:00:00.000Z';
      const to = '2025-03-01T12:01:00.000Z';
      const window = eventsIn(from, to).filter((e) => e.eventType === 'page_view' && e.isBot);
      expect(window.length).toBeGreaterThan(0);
      expect(column(result, 'bot_events')).toEqual(
        bucketStarts(from, to, MINUTE).map((b) => window.filter((e) => bucketOf(e.eventTime, MINUTE) === b).length),
      );
    });

    it('gives the same counts from the rollups and from raw events', async () => {
      const from = '2025-03-01T11:20:00.000Z';
      const to = '2025-03-01T11:40:00.000Z';
      const perMinute = await run('timeseries', { bucket: '1m', split: 'event_type', from, to });
      const perHalfMinute = await run('timeseries', { bucket: '30s', split: 'event_type', from, to });
      expect(perMinute.sources).toEqual(['metrics_minute']);
      expect(perHalfMinute.sources).toEqual(['events']);
      expect(perHalfMinute.columns).toEqual(perMinute.columns);
      const folded = perMinute.rows.map((_, i) =>
        (perHalfMinute.rows[2 * i] as number[]).map((v, j) =>
          j === 0 ? v : v + ((perHalfMinute.rows[2 * i + 1] as number[])[j] as number),
        ),
      );
      expect(folded).toEqual(perMinute.rows);
    });

    it('answers dense zeros for a window without events', async () => {
      const result = await run('timeseries', { from: '2020-01-01T00:00:00Z', to: '2020-01-01T00:05:00Z' });
      expect(result.rows).toEqual(bucketStarts('2020-01-01T00:00:00.000Z', '2020-01-01T00:05:00.000Z', MINUTE).map((b) => [b, 0]));
    });
  });

  describe('top', () => {
    const from = '2025-03-01T11:00:00.000Z';
    const to = '2025-03-01T12:01:00.000Z';

    it('ranks products by revenue from the product rollup, with their names', async () => {
      const result = await run('top', { dimension: 'sku', metric: 'revenue_usd', n: '5', last: '1h' });
      expect(result.params).toEqual({ dimension: 'sku', metric: 'revenue_usd', n: 5, last: '1h', from, to });
      expect(result.sources).toEqual(['product_minute']);
      const window = eventsIn(from, to).filter((e) => e.sku !== null);
      const expected = [...new Set(window.map((e) => e.sku as string))]
        .map((sku) => ({
          sku,
          name: window.find((e) => e.sku === sku)?.productName,
          revenue: sum(window.filter((e) => e.sku === sku).map((e) => e.revenueUsd ?? 0)),
        }))
        .sort((a, b) => b.revenue - a.revenue || byCodePoint(a.sku, b.sku))
        .slice(0, 5);
      expect(result.columns.map((c) => c.name)).toEqual(['sku', 'product_name', 'revenue_usd']);
      expect(result.rows.map((r) => [r[0], r[1]])).toEqual(expected.map((x) => [x.sku, x.name]));
      for (const [i, r] of result.rows.entries()) expect(r[2]).toBeCloseTo(expected[i]?.revenue as number, 2);
    });

    it('ranks countries by events from the rollups, leaving out events without a country', async () => {
      const result = await run('top', { dimension: 'country', last: '1h' });
      expect(result.sources).toEqual(['metrics_minute']);
      const window = eventsIn(from, to).filter((e) => e.country !== null);
      const expected = [...new Set(window.map((e) => e.country as string))]
        .map((c) => [c, window.filter((e) => e.country === c).length] as [string, number])
        .sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
      expect(result.rows).toEqual(expected);
      expect(sum(expected.map((x) => x[1]))).toBeLessThan(fixture.events.length);
    });

    it('ranks browsers by distinct sessions', async () => {
      const result = await run('top', { dimension: 'browser', metric: 'active_sessions', last: '1h' });
      const window = eventsIn(from, to).filter((e) => e.browser !== null);
      const expected = [...new Set(window.map((e) => e.browser as string))]
        .map(
          (b) =>
            [b, new Set(window.filter((e) => e.browser === b && e.sessionId !== null).map((e) => e.sessionId)).size] as [string, number],
        )
        .sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
      expect(result.rows).toEqual(expected);
    });

    it('ranks categories by units purchased', async () => {
      const result = await run('top', { dimension: 'category', metric: 'quantity', event_type: 'purchase', n: '2', last: '1h' });
      expect(result.sources).toEqual(['metrics_minute']);
      const window = eventsIn(from, to).filter((e) => e.eventType === 'purchase' && e.category !== null);
      const expected = [...new Set(window.map((e) => e.category as string))]
        .map((c) => [c, sum(window.filter((e) => e.category === c).map((e) => e.quantity ?? 0))] as [string, number])
        .sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]))
        .slice(0, 2);
      expect(result.rows).toEqual(expected);
    });
  });

  describe('funnel', () => {
    const from = '2025-03-01T11:00:00.000Z';
    const to = '2025-03-01T12:01:00.000Z';

    for (const by of ['session', 'user'] as const) {
      it(`counts ${by}s reaching each step in order, with conversion rates`, async () => {
        const result = await run('funnel', { by, last: '1h' });
        expect(result.params).toEqual({ by, last: '1h', from, to });
        const reached = expectedFunnel(fixture.events, by === 'session' ? 'sessionId' : 'userId', from, to);
        expect(reached[0]).toBeGreaterThan(reached[3] as number);
        expect(reached[3]).toBeGreaterThan(0);
        expect(result.columns.map((c) => c.name)).toEqual([
          'step',
          'event_type',
          `${by}s`,
          'conversion_from_previous',
          'conversion_from_first',
        ]);
        expect(result.rows).toEqual(
          ['product_view', 'add_to_cart', 'checkout', 'purchase'].map((step, i) => [
            i + 1,
            step,
            reached[i],
            i === 0 ? null : (reached[i] as number) / (reached[i - 1] as number),
            (reached[i] as number) / (reached[0] as number),
          ]),
        );
      });
    }

    it('does not count a cart added before the product was viewed', async () => {
      const ordered = expectedFunnel(fixture.events, 'sessionId', from, to);
      const unordered = new Set(
        eventsIn(from, to)
          .filter((e) => e.eventType === 'add_to_cart' && e.sessionId)
          .map((e) => e.sessionId),
      ).size;
      expect(ordered[1]).toBeLessThan(unordered);
      const result = await run('funnel', { last: '1h' });
      expect(result.rows[1]?.[2]).toBe(ordered[1]);
    });
  });

  describe('freshness', () => {
    const from = '2025-03-01T11:30:00.000Z';
    const to = '2025-03-01T12:01:00.000Z';
    const latencies = fixture.events
      .filter((e) => inRange(e.ingestedAt, from, to))
      .map((e) => e.ingestedAt.getTime() - e.receivedAt.getTime())
      .sort((a, b) => a - b);
    /** Bounds of the histogram bucket holding the exact nearest-rank percentile. */
    const bucketAround = (q: number) => {
      const exact = latencies[Math.ceil(q * latencies.length) - 1] as number;
      const bounds = [0, ...LATENCY_BUCKET_BOUNDS_MS];
      const i = bounds.findIndex((b, j) => j > 0 && exact <= b);
      return i < 0 ? [LATENCY_BUCKET_BOUNDS_MS.at(-1), LATENCY_BUCKET_BOUNDS_MS.at(-1)] : [bounds[i - 1], bounds[i]];
    };

    it('counts events committed in the window and reads p50/p95/p99 within their histogram buckets', async () => {
      const result = await run('freshness', { last: '30m' });
      expect(result.params).toEqual({ last: '30m', from, to });
      expect(result.sources).toEqual(['freshness_minute']);
      expect(result.columns.map((c) => c.name)).toEqual(['events', 'p50_ms', 'p95_ms', 'p99_ms']);
      const [row] = result.rows;
      expect(row?.[0]).toBe(latencies.length);
      expect(latencies.at(-1)).toBeGreaterThan(3_600_000); // the backlog reaches the overflow bucket
      for (const [i, q] of [0.5, 0.95, 0.99].entries()) {
        const [low, high] = bucketAround(q);
        expect(row?.[i + 1]).toBeGreaterThanOrEqual(Math.floor(low as number));
        expect(row?.[i + 1]).toBeLessThanOrEqual(Math.ceil(high as number));
      }
      expect(LATENCY_OVERFLOW_LE_MS).toBeGreaterThan(3_600_000);
    });

    it('gives one row per bucket of commit time', async () => {
      const result = await run('freshness', { last: '30m', bucket: '5m' });
      const f = '2025-03-01T11:30:00.000Z';
      const t = '2025-03-01T12:05:00.000Z';
      expect(result.params).toEqual({ bucket: '5m', last: '30m', from: f, to: t });
      expect(result.columns.map((c) => c.name)).toEqual(['bucket', 'events', 'p50_ms', 'p95_ms', 'p99_ms']);
      const buckets = bucketStarts(f, t, 5 * MINUTE);
      expect(result.rows.map((r) => [r[0], r[1]])).toEqual(
        buckets.map((b) => [b, fixture.events.filter((e) => bucketOf(e.ingestedAt, 5 * MINUTE) === b).length]),
      );
      for (const r of result.rows) {
        if (r[1] === 0) expect(r.slice(2)).toEqual([null, null, null]);
        else expect(r[2] as number).toBeLessThanOrEqual(r[4] as number);
      }
    });
  });

  describe('pipeline', () => {
    const from = new Date(NOW.getTime() - 15 * MINUTE);
    const inWindow = fixture.batches.filter((b) => b.committedAt >= from && b.committedAt < NOW);
    const lastCommit = Math.max(...fixture.batches.map((b) => b.committedAt.getTime()));
    const storeRows = () => [
      ['store', 'sink', 'batches', inWindow.length],
      ['store', 'sink', 'records', sum(inWindow.map((b) => b.records))],
      ['store', 'sink', 'events_stored', sum(inWindow.map((b) => b.inserted))],
      ['store', 'sink', 'duplicates_skipped', sum(inWindow.map((b) => b.duplicates))],
      ['store', 'sink', 'seconds_since_last_commit', Math.round((NOW.getTime() - lastCommit) / 100) / 10],
    ];

    it('reports sink batches from the store and says that stage figures are not available', async () => {
      expect(inWindow.length).toBeGreaterThan(0);
      const result = await run('pipeline', { last: '15m' });
      expect(result.params).toEqual({ last: '15m', from: from.toISOString(), to: NOW.toISOString() });
      expect(result.rows).toEqual(storeRows());
      expect(result.notes).toEqual([NO_STATUS_SOURCE_NOTE]);
    });

    it('adds per-stage counts, DLQ reasons and lag from a status source', async () => {
      const status: PipelineStatusSource = {
        async readPipelineStatus() {
          return {
            since: new Date(NOW.getTime() - 90_000),
            stages: [{ stage: 'ingest', recordsIn: 120, recordsOut: 110, recordsToDlq: 10, failedInvocations: 1, lag: 4 }],
            dlqByReason: { NOT_JSON: 7, MISSING_FIELD: 3 },
          };
        },
      };
      const result = await run('pipeline', { last: '15m' }, { status });
      expect(result.notes).toEqual([]);
      expect(result.rows).toEqual([
        ...storeRows(),
        ['status', 'counters', 'seconds_counted', 90],
        ['stage', 'ingest', 'records_in', 120],
        ['stage', 'ingest', 'records_out', 110],
        ['stage', 'ingest', 'records_to_dlq', 10],
        ['stage', 'ingest', 'failed_invocations', 1],
        ['stage', 'ingest', 'lag', 4],
        ['dlq', 'MISSING_FIELD', 'records', 3],
        ['dlq', 'NOT_JSON', 'records', 7],
      ]);
    });

    it('still answers from the store when the status source fails, and says so', async () => {
      const status: PipelineStatusSource = {
        readPipelineStatus: () => Promise.reject(new Error('consumer group offsets unavailable')),
      };
      const result = await run('pipeline', {}, { status });
      expect(result.rows).toEqual(storeRows());
      expect(result.notes).toEqual(['the pipeline status source failed: consumer group offsets unavailable']);
    });
  });

  it('refuses a raw-event read over a window holding more events than allowed, naming the window parameter', async () => {
    const window = { from: new Date('2025-03-01T11:00:00Z'), to: new Date('2025-03-01T12:01:00Z'), lengthParam: 'last' as const };
    const held = eventsIn(window.from.toISOString(), window.to.toISOString()).length;
    await expect(assertEventsScanBounded(store.client, window, undefined, held)).resolves.toBeUndefined();
    const refusal = assertEventsScanBounded(store.client, window, undefined, held - 1);
    await expect(refusal).rejects.toBeInstanceOf(QueryParameterError);
    await expect(refusal).rejects.toMatchObject({
      parameter: 'last',
      message: expect.stringContaining(`holds ${held.toLocaleString('en-US')} events`),
    });
  });
});
