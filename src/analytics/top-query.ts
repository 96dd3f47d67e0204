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
