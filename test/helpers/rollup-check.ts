import type { SqlQueryable } from '../../src/store/sql-client.js';
import { FUNNEL_KEPT, FUNNEL_RECOMPUTED } from '../verify/rollup-recount.js';

/** The rollups as the sink keeps them, and recomputed from the events table: they must agree. */
export async function rollupsAndRecomputation(client: SqlQueryable) {
  const order = 'ORDER BY bucket, event_type, category, country, device_class';
  const kept = await client.query(
    `SELECT bucket, event_type, category, country, device_class, events::int, quantity::int, revenue_usd::float8, bot_events::int FROM metrics_minute ${order}`,
  );
  const recomputed = await client.query(
    `SELECT date_trunc('minute', event_time) AS bucket, event_type, coalesce(category, '') AS category, coalesce(country, '') AS country,
            coalesce(device_class, '') AS device_class, count(*)::int AS events, coalesce(sum(quantity), 0)::int AS quantity,
            coalesce(sum(revenue_usd), 0)::float8 AS revenue_usd, (count(*) FILTER (WHERE is_bot))::int AS bot_events
     FROM events GROUP BY 1, 2, 3, 4, 5 ${order}`,
  );
  const productOrder = 'ORDER BY bucket, sku, event_type';
  const keptProducts = await client.query(
    `SELECT bucket, sku, event_type, product_name, events::int, quantity::int, revenue_usd::float8, bot_events::int FROM product_minute ${productOrder}`,
  );
  const recomputedProducts = await client.query(
    `SELECT date_trunc('minute', event_time) AS bucket, sku, event_type, max(product_name) AS product_name, count(*)::int AS events,
            coalesce(sum(quantity), 0)::int AS quantity, coalesce(sum(revenue_usd), 0)::float8 AS revenue_usd,
            (count(*) FILTER (WHERE is_bot))::int AS bot_events
     FROM events WHERE sku IS NOT NULL GROUP BY 1, 2, 3 ${productOrder}`,
  );
  const funnelOrder = 'ORDER BY entity, entity_id';
  const keptFunnel = await client.query(`${FUNNEL_KEPT} ${funnelOrder}`);
  const recomputedFunnel = await client.query(`${FUNNEL_RECOMPUTED} ${funnelOrder}`);
  const [counts] = await client.query<{ events: number; freshness: number }>(
    'SELECT (SELECT count(*) FROM events)::int AS events, (SELECT coalesce(sum(events), 0) FROM freshness_minute)::int AS freshness',
  );
  return {
    kept: { metrics: kept, products: keptProducts, funnel: keptFunnel },
    recomputed: { metrics: recomputed, products: recomputedProducts, funnel: recomputedFunnel },
    counts,
  };
}
