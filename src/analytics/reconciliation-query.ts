/**
 * reconciliation: clickstream purchases (orders seen in purchase events) against the orders in the
 * shop database (mirrored by change data capture), over a window: how many match, how many are
 * only on one side, and the gap. Purchases are matched on orderId; a window edge can split an
 * order whose event and row fall on either side of it.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import { parseParams } from './query-params.js';
import type { QueryAnswer } from './query-result.js';
import { toNumber } from './query-result.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const RECONCILIATION_SQL = `WITH clicks AS (
    SELECT DISTINCT payload->>'orderId' AS order_id FROM events
     WHERE event_type = 'purchase' AND event_time >= $1::timestamptz AND event_time < $2::timestamptz AND payload ? 'orderId'
  ), shop AS (
    SELECT order_id FROM shop_orders WHERE NOT deleted AND placed_at >= $1::timestamptz AND placed_at < $2::timestamptz
  )
  SELECT count(c.order_id)::float8 AS clickstream_orders, count(s.order_id)::float8 AS shop_orders,
         count(*) FILTER (WHERE c.order_id IS NOT NULL AND s.order_id IS NOT NULL)::float8 AS matched,
         count(*) FILTER (WHERE s.order_id IS NULL)::float8 AS only_clickstream,
         count(*) FILTER (WHERE c.order_id IS NULL)::float8 AS only_shop
    FROM clicks c FULL OUTER JOIN shop s ON s.order_id = c.order_id`;

export const reconciliationQuery: NamedQuery = {
  name: 'reconciliation',
  description: 'clickstream purchases vs orders in the shop database over a window: matched, only on one side, gap',
  parameters: Object.keys(windowParams),
  prepare(raw, now) {
    const p = parseParams('reconciliation', windowParams, raw);
    const window = resolveWindow(p, now, { alignMs: 1000, maxMs: QUERY_LIMITS.maxEventsWindowMs });
    return {
      params: { ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}), ...windowToParams(window) },
      run: (db) => runReconciliation(db, window),
    };
  },
};

async function runReconciliation(db: SqlQueryable, window: TimeWindow): Promise<QueryAnswer> {
  const [row] = await db.query<Record<string, unknown>>(RECONCILIATION_SQL, [window.from.toISOString(), window.to.toISOString()]);
  const n = (name: string) => toNumber(row?.[name] ?? 0);
  const clickstream = n('clickstream_orders');
  const shop = n('shop_orders');
  return {
    columns: [
      { name: 'clickstream_orders', type: 'number' },
      { name: 'shop_orders', type: 'number' },
      { name: 'matched', type: 'number' },
      { name: 'only_in_clickstream', type: 'number' },
      { name: 'only_in_shop', type: 'number' },
      { name: 'gap', type: 'number' },
    ],
    rows: [[clickstream, shop, n('matched'), n('only_clickstream'), n('only_shop'), clickstream - shop]],
    sources: ['events', 'shop_orders'],
    notes: [],
  };
}
