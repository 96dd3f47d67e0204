/**
 * top: the N values of a dimension with the largest metric over a window. Dimensions and metrics
 * the rollups keep are read from metrics_minute (products from product_minute); the others (browser, os, distinct counts)
 * from raw events, within a bounded window. Events lacking the dimension are left out.
 */
import { EVENT_TYPES } from '../events/event-schemas.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { DIMENSIONS, type Dimension, type DimensionSpec, dimensionKeySql, TOP_DIMENSIONS } from './dimensions.js';
import { formatDuration } from './duration.js';
import { QueryParameterError } from './errors.js';
import { assertEventsScanBounded } from './events-scan-guard.js';
import { QUERY_LIMITS } from './limits.js';
import { METRIC_NAMES, METRICS, type Metric, type MetricSpec, metricInRollup, metricSql, type RollupTable } from './metrics.js';
import type { NamedQuery } from './named-query.js';
import { oneOf, parseParams, wholeNumber } from './query-params.js';
import type { Cell, QueryAnswer, QueryColumn } from './query-result.js';
import { toNumber } from './query-result.js';
import { compareC, type SplittableQuery, UNLIMITED_KEYS, unionNotes } from './range-split.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const MINUTE_MS = 60_000;

const shape = {
  ...windowParams,
  dimension: oneOf(TOP_DIMENSIONS).optional(),
  metric: oneOf(METRIC_NAMES).optional(),
  n: wholeNumber(1, QUERY_LIMITS.maxTopN).optional(),
  event_type: oneOf(EVENT_TYPES).optional(),
};

interface TopPlan {
  dimension: Dimension;
  metric: Metric;
  n: number;
  eventType: string | undefined;
  window: TimeWindow;
  table: RollupTable | 'events';
}

export const topQuery: NamedQuery = {
  name: 'top',
  description: 'the top N values of a dimension by a metric over a window',
  parameters: Object.keys(shape),
  prepare(raw, now) {
    const p = parseParams('top', shape, raw);
    if (p.dimension === undefined) {
      throw new QueryParameterError('dimension', `is required: one of ${TOP_DIMENSIONS.join(', ')}`);
    }
    const metric = p.metric ?? 'events';
    const spec = DIMENSIONS[p.dimension] as DimensionSpec;
    const table: TopPlan['table'] = !metricInRollup(metric) ? 'events' : spec.inRollup ? 'metrics_minute' : (spec.ownRollup ?? 'events');
    // Whole minutes either way, so an answer does not change with the table that gives it.
    const window = resolveWindow(p, now, {
      alignMs: MINUTE_MS,
      maxMs: table === 'events' ? QUERY_LIMITS.maxEventsWindowMs : QUERY_LIMITS.maxWindowMs,
    });
    const plan: TopPlan = { dimension: p.dimension, metric, n: p.n ?? QUERY_LIMITS.defaultTopN, eventType: p.event_type, window, table };
    return {
      params: {
        dimension: plan.dimension,
        metric,
        n: plan.n,
        ...(p.event_type ? { event_type: p.event_type } : {}),
        ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}),
        ...windowToParams(window),
      },
      run: (db) => runTop(db, plan),
      splittable: splittableTop(plan),
    };
  },
};

async function runTop(db: SqlQueryable, plan: TopPlan): Promise<QueryAnswer> {
  const { table, window } = plan;
  if (table === 'events') await assertEventsScanBounded(db, window, plan.eventType ? [plan.eventType] : undefined);
  const timeColumn = table === 'events' ? 'event_time' : 'bucket';
  const keySql = dimensionKeySql(plan.dimension, table);
  const withName = plan.dimension === 'sku';
  const rows = await db.query<{ k: string; product_name: string | null; v: unknown }>(
    `SELECT ${keySql} AS k, ${withName ? 'max(product_name)' : 'NULL::text'} AS product_name, ${metricSql(plan.metric, table)} AS v
       FROM ${table}
      WHERE ${timeColumn} >= $1::timestamptz AND ${timeColumn} < $2::timestamptz
        AND ${keySql} <> ''
        AND ($3::text IS NULL OR event_type = $3::text)
      GROUP BY 1
      ORDER BY v DESC, (${keySql}) COLLATE "C"
      LIMIT $4::integer`,
    [window.from.toISOString(), window.to.toISOString(), plan.eventType ?? null, plan.n],
  );
  const unit = (METRICS[plan.metric] as MetricSpec).unit;
  const columns: QueryColumn[] = [
    { name: plan.dimension, type: 'text' },
    ...(withName ? [{ name: 'product_name', type: 'text' } as const] : []),
    unit ? { name: plan.metric, type: 'number', unit } : { name: plan.metric, type: 'number' },
  ];
  const out: Cell[][] = rows.map((row) => [row.k, ...(withName ? [row.product_name] : []), toNumber(row.v)]);
  return { columns, rows: out, sources: [table], notes: [] };
}

/** Each part reads every key; the merge adds the parts per key and keeps the top n of the sums. */
function splittableTop(plan: TopPlan): SplittableQuery {
  return {
    needsEarlierHistory: false,
    alignSplit: (at) => new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS),
    split(at) {
      if (!metricInRollup(plan.metric)) {
        throw new QueryParameterError(
          'metric',
          `${plan.metric} counts distinct values, which cannot be added up over a window that spans the archive and the store (before ${at.toISOString()}): query each part on its own`,
        );
      }
      const part = (from: Date, to: Date): TopPlan => ({ ...plan, n: UNLIMITED_KEYS, window: { ...plan.window, from, to } });
      return {
        at,
        before: (db) => runTop(db, part(plan.window.from, at)),
        after: (db) => runTop(db, part(at, plan.window.to)),
        merge(before, after) {
          const withName = plan.dimension === 'sku';
          const totals = new Map<string, { name: Cell; value: number }>();
          for (const row of [...before.rows, ...after.rows]) {
            const key = String(row[0]);
            const name = withName ? (row[1] ?? null) : null;
            const value = toNumber(row[row.length - 1]);
            const seen = totals.get(key);
            if (seen) {
              seen.value += value;
              if (name !== null && (seen.name === null || String(name) > String(seen.name))) seen.name = name;
            } else totals.set(key, { name, value });
          }
          const rows: Cell[][] = [...totals.entries()]
            .sort(([ka, a], [kb, b]) => b.value - a.value || compareC(ka, kb))
            .slice(0, plan.n)
            .map(([key, { name, value }]) => [key, ...(withName ? [name] : []), value]);
          return { columns: before.columns, rows, sources: [...before.sources, ...after.sources], notes: unionNotes(before, after) };
        },
      };
    },
  };
}
