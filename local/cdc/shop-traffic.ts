/**
 * Drives the shop database coherently with the clickstream: every purchase event the generator
 * publishes also writes its order and order line (the order row's id is the event's orderId), and
 * a background loop moves orders through their statuses (placed -> paid -> shipped, some
 * cancelled), changes prices, stock and currency rates a little, and deletes some old cancelled
 * orders. Wraps the generator's publisher, so the generator itself is unchanged.
 */
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { seededRandom } from '../../src/reference/seeded-random.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export interface ShopTrafficStats {
  ordersWritten: number;
  linesWritten: number;
  statusChanges: number;
  catalogueStatements: number;
  ordersDeleted: number;
  errors: number;
}

export interface ShopTraffic {
  /** The generator's publisher, writing each purchase's order to the shop first. */
  readonly publisher: RecordPublisher;
  readonly stats: ShopTrafficStats;
  /** Stops the background loop (the publisher stays usable). */
  stop(): Promise<void>;
}

interface PurchaseLine {
  eventId: string;
  orderId: string;
  customerId: string;
  sku: string;
  quantity: number;
  price: number;
  currency: string;
}

function purchaseOf(record: OutputRecord): PurchaseLine | undefined {
  if (record.value === null) return undefined;
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(record.value.toString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (e === null || typeof e !== 'object' || e.type !== 'purchase') return undefined;
  const customer = typeof e.userId === 'string' ? e.userId : typeof e.deviceId === 'string' ? e.deviceId : undefined;
  const { eventId, orderId, sku, quantity, price, currency } = e;
  // The generator's deliberately invalid records never reach the shop, as they would not at checkout.
  if (typeof eventId !== 'string' || typeof orderId !== 'string' || typeof sku !== 'string' || customer === undefined) return undefined;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity <= 0 || quantity > 1000) return undefined;
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > 1e9) return undefined;
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) return undefined;
  return { eventId, orderId, customerId: customer, sku, quantity, price, currency: currency.toUpperCase() };
}

const RECENT_LIMIT = 100_000;

/** The purchases not seen before as orders and order lines, customers created on first sight. */
async function writeOrders(shop: SqlClient, lines: PurchaseLine[], seen: Set<string>, stats: ShopTrafficStats): Promise<void> {
  const fresh = lines.filter((l) => !seen.has(l.eventId));
  if (fresh.length === 0) return;
  for (const l of fresh) seen.add(l.eventId);
  if (seen.size > RECENT_LIMIT) seen.clear();
  const json = JSON.stringify(fresh.map((l) => ({ ...l, amount: Math.round(l.price * l.quantity * 100) / 100 })));
  const [result] = await shop.query<{ orders: number; lines: number }>(
    `WITH l AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x("eventId" text, "orderId" text, "customerId" text, sku text, quantity int, price numeric, currency text, amount numeric)
     ), c AS (
       INSERT INTO customers (customer_id, email)
       SELECT DISTINCT "customerId", "customerId" || '@example.com' FROM l
       ON CONFLICT (customer_id) DO NOTHING
     ), o AS (
       INSERT INTO orders AS o (order_id, customer_id, status, currency, total, placed_at)
       SELECT "orderId", min("customerId"), 'placed', min(currency), sum(amount), now() FROM l GROUP BY "orderId"
       ON CONFLICT (order_id) DO UPDATE SET total = o.total + EXCLUDED.total, updated_at = now()
       RETURNING 1
     ), n AS (
       INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
       SELECT "orderId",
              coalesce((SELECT max(line_no) FROM order_lines x WHERE x.order_id = l."orderId"), 0)
                + row_number() OVER (PARTITION BY "orderId" ORDER BY "eventId"),
              sku, quantity, price
         FROM l
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM o)::int AS orders, (SELECT count(*) FROM n)::int AS lines`,
    [json],
  );
  stats.ordersWritten += result?.orders ?? 0;
  stats.linesWritten += result?.lines ?? 0;
}

/** The shop's own life, once per tick: orders move on, old cancelled ones go, prices, stock and rates drift. */
async function shopTick(shop: SqlClient, random: () => number, stats: ShopTrafficStats): Promise<void> {
  const pick = (n: number) => Math.max(1, Math.round(n * (0.5 + random())));
  const changed = await shop.query<{ n: number }>(
    `WITH paid AS (
       UPDATE orders SET status = 'paid', updated_at = now()
        WHERE order_id IN (SELECT order_id FROM orders WHERE status = 'placed' AND placed_at < now() - interval '1 second' ORDER BY placed_at LIMIT $1)
       RETURNING 1
     ), shipped AS (
       UPDATE orders SET status = 'shipped', updated_at = now()
        WHERE order_id IN (SELECT order_id FROM orders WHERE status = 'paid' AND updated_at < now() - interval '3 seconds' ORDER BY updated_at LIMIT $2)
       RETURNING 1
     ), cancelled AS (
       UPDATE orders SET status = 'cancelled', updated_at = now()
        WHERE order_id IN (SELECT order_id FROM orders WHERE status = 'placed' ORDER BY placed_at DESC LIMIT $3)
       RETURNING 1
     )
     SELECT ((SELECT count(*) FROM paid) + (SELECT count(*) FROM shipped) + (SELECT count(*) FROM cancelled))::int AS n`,
    [pick(40), pick(30), random() < 0.5 ? 1 : 0],
  );
  stats.statusChanges += changed[0]?.n ?? 0;
  const deleted = await shop.query<{ n: number }>(
    `WITH d AS (DELETE FROM orders WHERE order_id IN (
       SELECT order_id FROM orders WHERE status = 'cancelled' AND updated_at < now() - interval '10 seconds' LIMIT 2) RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
  );
  stats.ordersDeleted += deleted[0]?.n ?? 0;
  // Prices and stock drift; a currency rate moves by up to 0.5 %.
  await shop.query(
    `UPDATE prices SET amount = round(amount * (0.95 + random() * 0.1)::numeric, 2), updated_at = now()
      WHERE (sku, currency) IN (SELECT sku, currency FROM prices ORDER BY random() LIMIT 2)`,
  );
  await shop.query(
    `UPDATE products SET stock = greatest(0, stock + (random() * 20 - 10)::int), updated_at = now()
      WHERE sku IN (SELECT sku FROM products ORDER BY random() LIMIT 3)`,
  );
  if (random() < 0.2) {
    await shop.query(
      `UPDATE currency_rates SET usd_rate = round(usd_rate * (0.995 + random() * 0.01)::numeric, 8), updated_at = now()
        WHERE currency IN (SELECT currency FROM currency_rates WHERE currency <> 'USD' ORDER BY random() LIMIT 1)`,
    );
  }
  stats.catalogueStatements += 5;
}

export function startShopTraffic(
  inner: RecordPublisher,
  shop: SqlClient,
  options: { seed?: number; tickMs?: number; onError?: (error: unknown) => void } = {},
): ShopTraffic {
  const stats: ShopTrafficStats = {
    ordersWritten: 0,
    linesWritten: 0,
    statusChanges: 0,
    catalogueStatements: 0,
    ordersDeleted: 0,
    errors: 0,
  };
  const seen = new Set<string>();
  const random = seededRandom(options.seed ?? 7);

  const publisher: RecordPublisher = {
    async publish(records) {
      const lines = records.map(purchaseOf).filter((l): l is PurchaseLine => l !== undefined);
      if (lines.length > 0) {
        // Customers and orders are created on first sight; a failure to write the shop is counted
        // and never stops the clickstream.
        await writeOrders(shop, lines, seen, stats).catch(() => {
          stats.errors++;
        });
      }
      await inner.publish(records);
    },
    close: () => inner.close(),
  };

  let running = true;
  let busy = false;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // One tick at a time: a slow shop skips ticks rather than piling them up.
    if (!running || busy) return;
    busy = true;
    current = shopTick(shop, random, stats)
      .catch((error: unknown) => {
        stats.errors++;
        options.onError?.(error);
      })
      .finally(() => {
        busy = false;
      });
  }, options.tickMs ?? 1000);

  return {
    publisher,
    stats,
    async stop() {
      running = false;
      clearInterval(timer);
      await current;
    },
  };
}
