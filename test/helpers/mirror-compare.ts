/** The shop's orders and order lines, and their mirror in the analytics store, as comparable rows. */
import type { SqlQueryable } from '../../src/store/sql-client.js';

const ORDER_COLUMNS = 'order_id, customer_id, status, currency::text AS currency, total::text AS total, placed_at, updated_at';
const LINE_COLUMNS = 'order_id, line_no, sku, quantity, unit_price::text AS unit_price';

export interface OrderTables {
  orders: Record<string, unknown>[];
  lines: Record<string, unknown>[];
}

export async function shopOrders(shop: SqlQueryable): Promise<OrderTables> {
  return {
    orders: await shop.query(`SELECT ${ORDER_COLUMNS} FROM orders ORDER BY order_id`),
    lines: await shop.query(`SELECT ${LINE_COLUMNS} FROM order_lines ORDER BY order_id, line_no`),
  };
}

export async function mirroredOrders(store: SqlQueryable): Promise<OrderTables> {
  return {
    orders: await store.query(`SELECT ${ORDER_COLUMNS} FROM shop_orders WHERE NOT deleted ORDER BY order_id`),
    lines: await store.query(`SELECT ${LINE_COLUMNS} FROM shop_order_lines WHERE NOT deleted ORDER BY order_id, line_no`),
  };
}
