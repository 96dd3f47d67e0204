/**
 * The allow-list of metrics: request names mapped to SQL aggregates over the rollups and over raw
 * events. Both read the same: metrics_minute keeps, per minute and dimensions, the count, the sums
 * of quantity and revenue_usd, and the count of bot events of exactly the events stored.
 */

/** Rollup tables; both keep events, quantity, revenue_usd and bot_events per minute. */
export type RollupTable = 'metrics_minute' | 'product_minute';

export interface MetricSpec {
  /** Aggregate over metrics_minute, or null when the rollups cannot answer (distinct counts). */
  readonly rollupSql: string | null;
  /** Aggregate over events. */
  readonly eventsSql: string;
  readonly unit?: string;
}

export const METRICS = {
  events: { rollupSql: 'sum(events)', eventsSql: 'count(*)' },
  revenue_usd: { rollupSql: 'sum(revenue_usd)', eventsSql: 'sum(revenue_usd)', unit: 'USD' },
  quantity: { rollupSql: 'sum(quantity)', eventsSql: 'sum(quantity)' },
  bot_events: { rollupSql: 'sum(bot_events)', eventsSql: 'count(*) FILTER (WHERE is_bot)' },
  active_users: { rollupSql: null, eventsSql: 'count(DISTINCT user_id)' },
  active_sessions: { rollupSql: null, eventsSql: 'count(DISTINCT session_id)' },
} as const satisfies Record<string, MetricSpec>;

export type Metric = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as [Metric, ...Metric[]];

/** The metric's aggregate for the table read, as float8 (pg returns bigint and numeric as strings). */
export function metricSql(metric: Metric, table: 'events' | RollupTable): string {
  const spec: MetricSpec = METRICS[metric];
  const aggregate = table === 'events' ? spec.eventsSql : spec.rollupSql;
  if (aggregate === null) throw new Error(`metric ${metric} cannot be read from ${table}`);
  return `coalesce(${aggregate}, 0)::float8`;
}

/** Whether the rollups can answer this metric. */
export function metricInRollup(metric: Metric): boolean {
  return (METRICS[metric] as MetricSpec).rollupSql !== null;
}
