/**
 * orders: the shop's orders (mirrored by change data capture) placed in a window, by status, with
 * their value in USD (rates from the reference data), and the confirmed revenue: paid and shipped
 * orders. Reads shop_orders, O(orders in the window).
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import { parseParams } from './query-params.js';
import type { Cell, QueryAnswer } from './query-result.js';
import { toNumber } from './query-result.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

/** Statuses whose value counts as revenue. */
export const CONFIRMED_STATUSES = ['paid', 'shipped'] as const;
const STATUSES = ['placed', 'paid', 'shipped', 'cancelled'] as const;

const ORDERS_SQL = `SELECT o.status, count(*)::float8 AS orders, coalesce(sum(o.total * r.usd_rate), 0)::float8 AS value_usd,
       count(*) FILTER (WHERE r.usd_rate IS NULL)::float8 AS unconverted
  FROM shop_orders o LEFT JOIN currency_rates r ON r.currency = o.currency
 WHERE NOT o.deleted AND o.placed_at >= $1::timestamptz AND o.placed_at < $2::timestamptz
 GROUP BY o.status`;

export const ordersQuery: NamedQuery = {
  name: 'orders',
  description: 'shop orders placed in the window by status, value in USD, and confirmed revenue (paid + shipped)',
  parameters: Object.keys(windowParams),
  prepare(raw, now) {
    const p = parseParams('orders', windowParams, raw);
    const window = resolveWindow(p, now, { alignMs: 1000, maxMs: QUERY_LIMITS.maxWindowMs });
    return {
      params: { ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}), ...windowToParams(window) },
      run: (db) => runOrders(db, window),
    };
  },
};

async function runOrders(db: SqlQueryable, window: TimeWindow): Promise<QueryAnswer> {
  const found = await db.query<{ status: string; orders: number; value_usd: number; unconverted: number }>(ORDERS_SQL, [
    window.from.toISOString(),
    window.to.toISOString(),
  ]);
  const byStatus = new Map(found.map((r) => [r.status, r]));
  const rows: Cell[][] = STATUSES.map((status) => {
    const row = byStatus.get(status);
    const confirmed = (CONFIRMED_STATUSES as readonly string[]).includes(status);
    return [status, toNumber(row?.orders ?? 0), round(toNumber(row?.value_usd ?? 0)), confirmed ? 'yes' : 'no'];
  });
  const confirmedRevenue = rows.filter((r) => r[3] === 'yes').reduce((sum, r) => sum + Number(r[2]), 0);
  const unconverted = found.reduce((n, r) => n + toNumber(r.unconverted), 0);
  return {
    columns: [
      { name: 'status', type: 'text' },
      { name: 'orders', type: 'number' },
      { name: 'value_usd', type: 'number', unit: 'USD' },
      { name: 'confirmed', type: 'text' },
    ],
    rows,
    sources: ['shop_orders', 'currency_rates'],
    notes: [
      `confirmed revenue (paid + shipped): ${round(confirmedRevenue).toFixed(2)} USD`,
      ...(unconverted > 0 ? [`${unconverted} order(s) in a currency without a USD rate count 0 USD`] : []),
    ],
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
