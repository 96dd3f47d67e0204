/**
 * freshness: ingest-to-queryable latency (sink commit time minus the time the event entered raw)
 * over a window, as count and p50/p95/p99 read from the freshness_minute histogram (buckets in
 * freshness-buckets.ts; percentiles are interpolated inside a bucket). With `bucket`, one row per
 * bucket of commit time; without, one row for the whole window.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { QueryParameterError } from './errors.js';
import { type HistogramBucket, histogramPercentile } from './histogram-percentile.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import { duration, parseParams } from './query-params.js';
import type { Cell, QueryAnswer, QueryColumn } from './query-result.js';
import { isoFromEpochSeconds, toNumber } from './query-result.js';
import { bucketStartSql, resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const MINUTE_MS = 60_000;
const MAX_BUCKET_MS = 3_600_000;
const DEFAULT_WINDOW_MS = 5 * MINUTE_MS;
const QUANTILES = [
  ['p50_ms', 0.5],
  ['p95_ms', 0.95],
  ['p99_ms', 0.99],
] as const;

const shape = { ...windowParams, bucket: duration().optional() };

interface FreshnessPlan {
  bucketMs: number | undefined;
  window: TimeWindow;
}

export const freshnessQuery: NamedQuery = {
  name: 'freshness',
  description: 'ingest-to-queryable latency p50/p95/p99 and count over a window (default the last 5 minutes)',
  parameters: Object.keys(shape),
  prepare(raw, now) {
    const p = parseParams('freshness', shape, raw);
    const bucketMs = p.bucket;
    if (bucketMs !== undefined && (bucketMs % MINUTE_MS !== 0 || bucketMs > MAX_BUCKET_MS)) {
      throw new QueryParameterError('bucket', `must be whole minutes from 1m to 1h (got ${formatDuration(bucketMs)})`);
    }
    const window = resolveWindow(p, now, { alignMs: bucketMs ?? MINUTE_MS, maxMs: QUERY_LIMITS.maxWindowMs, defaultMs: DEFAULT_WINDOW_MS });
    if (bucketMs !== undefined) {
      const buckets = (window.to.getTime() - window.from.getTime()) / bucketMs;
      if (buckets > QUERY_LIMITS.maxBuckets) {
        throw new QueryParameterError(
          'bucket',
          `the window makes ${buckets} buckets; at most ${QUERY_LIMITS.maxBuckets} are allowed: use a larger bucket or a shorter window`,
        );
      }
    }
    return {
      params: {
        ...(bucketMs !== undefined ? { bucket: formatDuration(bucketMs) } : {}),
        ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}),
        ...windowToParams(window),
      },
      run: (db) => runFreshness(db, { bucketMs, window }),
    };
  },
};

async function runFreshness(db: SqlQueryable, plan: FreshnessPlan): Promise<QueryAnswer> {
  const { window, bucketMs } = plan;
  const rows = await db.query<{ t: unknown; le_ms: unknown; events: unknown }>(
    `SELECT ${bucketStartSql('bucket', '$1')} AS t, le_ms::float8 AS le_ms, sum(events)::float8 AS events
       FROM freshness_minute
      WHERE bucket >= $2::timestamptz AND bucket < $3::timestamptz
      GROUP BY 1, 2`,
    [(bucketMs ?? window.to.getTime() - window.from.getTime()) / 1000, window.from.toISOString(), window.to.toISOString()],
  );
  const histograms = new Map<string, HistogramBucket[]>();
  for (const row of rows) {
    const key = bucketMs === undefined ? '' : isoFromEpochSeconds(row.t);
    const histogram = histograms.get(key) ?? [];
    histogram.push({ leMs: toNumber(row.le_ms), count: toNumber(row.events) });
    histograms.set(key, histogram);
  }
  const summarise = (histogram: HistogramBucket[] = []): Cell[] => [
    histogram.reduce((sum, b) => sum + b.count, 0),
    ...QUANTILES.map(([, q]) => roundMs(histogramPercentile(histogram, q))),
  ];
  const figures: QueryColumn[] = [
    { name: 'events', type: 'number' },
    ...QUANTILES.map(([name]) => ({ name, type: 'number', unit: 'ms' }) as const),
  ];
  if (bucketMs === undefined) {
    return { columns: figures, rows: [summarise(histograms.get(''))], sources: ['freshness_minute'], notes: [] };
  }
  const out: Cell[][] = [];
  for (let t = window.from.getTime(); t < window.to.getTime(); t += bucketMs) {
    const iso = new Date(t).toISOString();
    out.push([iso, ...summarise(histograms.get(iso))]);
  }
  return { columns: [{ name: 'bucket', type: 'time' }, ...figures], rows: out, sources: ['freshness_minute'], notes: [] };
}

function roundMs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms);
}
