/**
 * Recomputes the rollups from the events table inside PostgreSQL and compares them with the rollups
 * the sink kept: rows that differ, and events counted more (or fewer) times than they were stored.
 */
import type { SqlQueryable } from '../../src/store/sql-client.js';

export interface RollupRecount {
  /** Rows of the events table. */
  readonly events: number;
  /** Rows sharing an event id with another row (the primary key makes this 0 unless the schema changed). */
  readonly duplicateRows: number;
  /** metrics_minute rows that differ from a recomputation (either side). */
  readonly mismatchedMetricRows: number;
  /** product_minute rows that differ from a recomputation (either side). */
  readonly mismatchedProductRows: number;
  /** funnel_entities rows that differ from a recomputation (either side). */
  readonly mismatchedFunnelRows: number;
  /** Events counted in a rollup beyond the rows stored: metrics, products and freshness together. */
  readonly overCounted: number;
  /** Stored events a rollup does not count. */
  readonly underCounted: number;
}

const METRICS_RECOMPUTED = `SELECT date_trunc('minute', event_time) AS bucket, event_type, coalesce(category, '')::text AS category,
    coalesce(country, '')::text AS country, coalesce(device_class, '')::text AS device_class, count(*)::bigint AS events,
    coalesce(sum(quantity), 0)::bigint AS quantity, coalesce(sum(revenue_usd), 0)::numeric AS revenue_usd,
    (count(*) FILTER (WHERE is_bot))::bigint AS bot_events
  FROM events GROUP BY 1, 2, 3, 4, 5`;
const METRICS_KEPT = `SELECT bucket, event_type, category, country, device_class, events::bigint, quantity::bigint, revenue_usd::numeric, bot_events::bigint
  FROM metrics_minute`;
const PRODUCTS_RECOMPUTED = `SELECT date_trunc('minute', event_time) AS bucket, sku, event_type, count(*)::bigint AS events,
    coalesce(sum(quantity), 0)::bigint AS quantity, coalesce(sum(revenue_usd), 0)::numeric AS revenue_usd,
    (count(*) FILTER (WHERE is_bot))::bigint AS bot_events
  FROM events WHERE sku IS NOT NULL GROUP BY 1, 2, 3`;
const PRODUCTS_KEPT = `SELECT bucket, sku, event_type, events::bigint, quantity::bigint, revenue_usd::numeric, bot_events::bigint FROM product_minute`;

/** funnel_entities as the sink should have kept it, from the events table. */
export const FUNNEL_RECOMPUTED = `SELECT k.entity, k.id AS entity_id,
    min(event_time) FILTER (WHERE event_type = 'product_view') AS product_view_at,
    min(event_time) FILTER (WHERE event_type = 'add_to_cart') AS add_to_cart_at,
    min(event_time) FILTER (WHERE event_type = 'checkout') AS checkout_at,
    min(event_time) FILTER (WHERE event_type = 'purchase') AS purchase_at
  FROM events CROSS JOIN LATERAL (VALUES ('session', session_id), ('user', user_id)) AS k(entity, id)
  WHERE k.id IS NOT NULL AND event_type IN ('product_view', 'add_to_cart', 'checkout', 'purchase') GROUP BY 1, 2`;
/** funnel_entities as the sink kept it. */
export const FUNNEL_KEPT = 'SELECT entity, entity_id, product_view_at, add_to_cart_at, checkout_at, purchase_at FROM funnel_entities';

const symmetricDifference = (a: string, b: string) =>
  `(SELECT count(*) FROM ((${a}) EXCEPT ALL (${b})) x) + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a})) y)`;

const RECOUNT_SQL = `SELECT
  (SELECT count(*) FROM events)::int AS events,
  (SELECT count(*) - count(DISTINCT event_id) FROM events)::int AS duplicate_rows,
  (${symmetricDifference(METRICS_KEPT, METRICS_RECOMPUTED)})::int AS mismatched_metric_rows,
  (${symmetricDifference(PRODUCTS_KEPT, PRODUCTS_RECOMPUTED)})::int AS mismatched_product_rows,
  (${symmetricDifference(FUNNEL_KEPT, FUNNEL_RECOMPUTED)})::int AS mismatched_funnel_rows,
  ((SELECT coalesce(sum(events), 0) FROM metrics_minute) - (SELECT count(*) FROM events))::int AS metrics_excess,
  ((SELECT coalesce(sum(events), 0) FROM product_minute) - (SELECT count(*) FROM events WHERE sku IS NOT NULL))::int AS products_excess,
  ((SELECT coalesce(sum(events), 0) FROM freshness_minute) - (SELECT count(*) FROM events))::int AS freshness_excess`;

interface RecountRow {
  events: number;
  duplicate_rows: number;
  mismatched_metric_rows: number;
  mismatched_product_rows: number;
  mismatched_funnel_rows: number;
  metrics_excess: number;
  products_excess: number;
  freshness_excess: number;
}

export async function recountRollups(store: SqlQueryable): Promise<RollupRecount> {
  const [row] = await store.query<RecountRow>(RECOUNT_SQL);
  if (!row) throw new Error('the rollup recount returned no row');
  const excesses = [row.metrics_excess, row.products_excess, row.freshness_excess];
  return {
    events: row.events,
    duplicateRows: row.duplicate_rows,
    mismatchedMetricRows: row.mismatched_metric_rows,
    mismatchedProductRows: row.mismatched_product_rows,
    mismatchedFunnelRows: row.mismatched_funnel_rows,
    overCounted: excesses.reduce((sum, n) => sum + Math.max(0, n), 0),
    underCounted: excesses.reduce((sum, n) => sum + Math.max(0, -n), 0),
  };
}
