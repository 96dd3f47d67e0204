/**
 * timeseries: a metric per time bucket over a window, optionally split by one dimension.
 * Buckets of a minute or more are read from metrics_minute (cost O(buckets)); shorter buckets and
 * distinct counts (active_users, active_sessions) read raw events, within a bounded window.
 */
import { EVENT_TYPES } from '../events/event-schemas.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { dimensionKeySql, MISSING_DIMENSION_LABEL, SPLIT_DIMENSIONS, type SplitDimension } from './dimensions.js';
import { formatDuration, parseDuration } from './duration.js';
import { QueryParameterError } from './errors.js';
import { assertEventsScanBounded } from './events-scan-guard.js';
import { QUERY_LIMITS } from './limits.js';
import { METRIC_NAMES, METRICS, type Metric, type MetricSpec, metricInRollup, metricSql } from './metrics.js';
import type { NamedQuery } from './named-query.js';
import { duration, oneOf, parseParams, wholeNumber } from './query-params.js';
import type { Cell, QueryAnswer, QueryColumn } from './query-result.js';
import { isoFromEpochSeconds, toNumber } from './query-result.js';
import { compareC, type SplittableQuery, UNLIMITED_KEYS, unionNotes } from './range-split.js';
import { bucketStartSql, resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const MINUTE_MS = 60_000;
const MIN_BUCKET_MS = 1_000;
const MAX_BUCKET_MS = 3_600_000;
const DEFAULT_BUCKET = '1m';

const shape = {
  ...windowParams,
  metric: oneOf(METRIC_NAMES).optional(),
  bucket: duration().optional(),
  split: oneOf(SPLIT_DIMENSIONS).optional(),
  series: wholeNumber(1, QUERY_LIMITS.maxSeries).optional(),
  event_type: oneOf(EVENT_TYPES).optional(),
};

interface TimeseriesPlan {
  metric: Metric;
  bucketMs: number;
  split: SplitDimension | undefined;
  series: number;
  eventType: string | undefined;
  window: TimeWindow;
  table: 'metrics_minute' | 'events';
}

export const timeseriesQuery: NamedQuery = {
  name: 'timeseries',
  description: 'a metric per time bucket over a window, optionally split by a dimension',
  parameters: Object.keys(shape),
  prepare(raw, now) {
    const p = parseParams('timeseries', shape, raw);
    const metric = p.metric ?? 'events';
    if (p.series !== undefined && p.split === undefined) {
      throw new QueryParameterError('series', `applies only with split (one of ${SPLIT_DIMENSIONS.join(', ')})`);
    }
    const bucketMs = p.bucket ?? (parseDuration(DEFAULT_BUCKET) as number);
    if (bucketMs < MIN_BUCKET_MS || bucketMs > MAX_BUCKET_MS) {
      throw new QueryParameterError('bucket', `must be from 1s to 1h (got ${formatDuration(bucketMs)})`);
    }
    if (bucketMs >= MINUTE_MS && bucketMs % MINUTE_MS !== 0) {
      throw new QueryParameterError('bucket', `buckets of a minute or more must be whole minutes (got ${formatDuration(bucketMs)})`);
    }
    const table = bucketMs >= MINUTE_MS && metricInRollup(metric) ? 'metrics_minute' : 'events';
    const window = resolveWindow(p, now, {
      alignMs: bucketMs,
      maxMs: table === 'events' ? QUERY_LIMITS.maxEventsWindowMs : QUERY_LIMITS.maxWindowMs,
    });
    const buckets = (window.to.getTime() - window.from.getTime()) / bucketMs;
    if (buckets > QUERY_LIMITS.maxBuckets) {
      throw new QueryParameterError(
        'bucket',
        `the window makes ${buckets} buckets of ${formatDuration(bucketMs)}; at most ${QUERY_LIMITS.maxBuckets} are allowed: use a larger bucket or a shorter window`,
      );
    }
    const plan: TimeseriesPlan = {
      metric,
      bucketMs,
      split: p.split,
      series: p.series ?? QUERY_LIMITS.defaultSeries,
      eventType: p.event_type,
      window,
      table,
    };
    return {
      params: {
        metric,
        bucket: formatDuration(bucketMs),
        ...(p.split ? { split: p.split, series: plan.series } : {}),
        ...(p.event_type ? { event_type: p.event_type } : {}),
        ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}),
        ...windowToParams(window),
      },
      run: (db) => runTimeseries(db, plan),
      splittable: splittableTimeseries(plan),
    };
  },
};

interface SeriesRow {
  t: unknown;
  k: string;
  v: unknown;
  total: unknown;
  key_count: unknown;
}

async function runTimeseries(db: SqlQueryable, plan: TimeseriesPlan): Promise<QueryAnswer> {
  const { table, window } = plan;
  if (table === 'events') await assertEventsScanBounded(db, window, plan.eventType ? [plan.eventType] : undefined);
  const timeColumn = table === 'metrics_minute' ? 'bucket' : 'event_time';
  const keySql = plan.split ? dimensionKeySql(plan.split, table) : `''`;
  // Identifiers come from the allow-lists above; every request value is a bound parameter.
  const rows = await db.query<SeriesRow>(
    `WITH g AS (
       SELECT ${bucketStartSql(timeColumn, '$1')} AS t,
              ${keySql} AS k,
              ${metricSql(plan.metric, table)} AS v
         FROM ${table}
        WHERE ${timeColumn} >= $2::timestamptz AND ${timeColumn} < $3::timestamptz
          AND ($4::text IS NULL OR event_type = $4::text)
        GROUP BY 1, 2),
     keys AS (
       SELECT k, sum(v) AS total FROM g GROUP BY k ORDER BY total DESC, k COLLATE "C" LIMIT $5::integer)
     SELECT g.t, g.k, g.v, keys.total, (SELECT count(DISTINCT k) FROM g)::float8 AS key_count
       FROM g JOIN keys USING (k)`,
    [plan.bucketMs / 1000, window.from.toISOString(), window.to.toISOString(), plan.eventType ?? null, plan.series],
  );

  const totals = new Map<string, number>();
  const values = new Map<string, number>();
  let keyCount = 0;
  for (const row of rows) {
    totals.set(row.k, toNumber(row.total));
    values.set(`${isoFromEpochSeconds(row.t)}\u0000${row.k}`, toNumber(row.v));
    keyCount = toNumber(row.key_count);
  }
  const keys = plan.split
    ? [...totals.entries()].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0)).map(([k]) => k)
    : [''];
  const unit = (METRICS[plan.metric] as MetricSpec).unit;
  const valueColumn = (name: string): QueryColumn => (unit ? { name, type: 'number', unit } : { name, type: 'number' });
  const columns: QueryColumn[] = [
    { name: 'bucket', type: 'time' },
    ...keys.map((k) => valueColumn(plan.split ? k || MISSING_DIMENSION_LABEL : plan.metric)),
  ];
  const out: Cell[][] = [];
  for (let t = window.from.getTime(); t < window.to.getTime(); t += plan.bucketMs) {
    const iso = new Date(t).toISOString();
    out.push([iso, ...keys.map((k) => values.get(`${iso}\u0000${k}`) ?? 0)]);
  }
  const notes: string[] = [];
  if (plan.split && keyCount > keys.length) {
    notes.push(`showing the ${keys.length} largest of ${keyCount} ${plan.split} series; "series" allows up to ${QUERY_LIMITS.maxSeries}`);
  }
  return { columns, rows: out, sources: [table], notes };
}

/**
 * The split falls on a bucket boundary, so every bucket comes whole from one part (distinct counts
 * included); each part reads every series, and the merge ranks series by their totals over both.
 */
function splittableTimeseries(plan: TimeseriesPlan): SplittableQuery {
  return {
    needsEarlierHistory: false,
    alignSplit: (at) => new Date(Math.floor(at.getTime() / plan.bucketMs) * plan.bucketMs),
    split(at) {
      const part = (from: Date, to: Date): TimeseriesPlan => ({ ...plan, series: UNLIMITED_KEYS, window: { ...plan.window, from, to } });
      return {
        at,
        before: (db) => runTimeseries(db, part(plan.window.from, at)),
        after: (db) => runTimeseries(db, part(at, plan.window.to)),
        merge(before, after) {
          const values = new Map<string, number>();
          const totals = new Map<string, number>();
          for (const answer of [before, after]) {
            const names = answer.columns.slice(1).map((c) => c.name);
            for (const row of answer.rows) {
              names.forEach((name, i) => {
                const value = toNumber(row[i + 1]);
                values.set(`${String(row[0])}\u0000${name}`, value);
                totals.set(name, (totals.get(name) ?? 0) + value);
              });
            }
          }
          const ranked = [...totals.entries()].sort(
            ([ka, a], [kb, b]) => b - a || compareC(ka === MISSING_DIMENSION_LABEL ? '' : ka, kb === MISSING_DIMENSION_LABEL ? '' : kb),
          );
          const keep = plan.split ? ranked.slice(0, plan.series).map(([name]) => name) : [plan.metric];
          const template = before.columns[1] ?? after.columns[1];
          const columns: QueryColumn[] = [
            { name: 'bucket', type: 'time' },
            ...keep.map((name) => ({ ...(template as QueryColumn), name })),
          ];
          const rows: Cell[][] = [];
          for (let t = plan.window.from.getTime(); t < plan.window.to.getTime(); t += plan.bucketMs) {
            const iso = new Date(t).toISOString();
            rows.push([iso, ...keep.map((name) => values.get(`${iso}\u0000${name}`) ?? 0)]);
          }
          const notes = unionNotes(before, after).filter((note) => !note.startsWith('showing the'));
          if (plan.split && ranked.length > keep.length) {
            notes.push(
              `showing the ${keep.length} largest of ${ranked.length} ${plan.split} series; "series" allows up to ${QUERY_LIMITS.maxSeries}`,
            );
          }
          return { columns, rows, sources: [...before.sources, ...after.sources], notes };
        },
      };
    },
  };
}
