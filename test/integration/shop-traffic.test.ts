/**
 * The shop side of the generator: each valid purchase the generator publishes writes its order and
 * order line (same orderId), invalid and duplicated records write nothing, and the shop's own loop
 * moves orders through their statuses and changes prices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedShop } from '../../local/cdc/seed-shop.js';
import { startShopTraffic } from '../../local/cdc/shop-traffic.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { migrateShop } from '../../src/shop/shop-database.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { type SourceDatabase, sourceDatabase } from '../helpers/cdc-source.js';
import { collectingPublisher } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait-for.js';

describe('shop traffic beside the clickstream', () => {
  let source: SourceDatabase;
  let shop: SqlClient;

  beforeAll(async () => {
    source = await sourceDatabase();
    shop = createPostgresClient({ connectionString: source.url });
    await migrateShop(shop);
    await seedShop(shop);
  });
  afterAll(async () => {
    await shop?.close();
    await source?.dispose();
  });

  it('writes the order of every valid purchase, and moves orders through their statuses', async () => {
    const inner = collectingPublisher();
    const traffic = startShopTraffic(inner, shop, { seed: 1, tickMs: 100 });
    try {
      const pricesBefore = await shop.query<{ total: string }>('SELECT sum(amount)::text AS total FROM prices');
      const generator = createTrafficGenerator({ seed: 9, invalidShare: 0.05, duplicateShare: 0.05 });
      const records: OutputRecord[] = [];
      const validOrders = new Set<string>();
      const anyPurchaseOrders = new Set<string>();
      for (let i = 0; i < 4000; i++) {
        const next = generator.next();
        records.push({ topic: 'raw', key: next.key, value: next.value, headers: {} });
        if (next.eventType !== 'purchase' || next.value === null) continue;
        try {
          const orderId = (JSON.parse(next.value.toString()) as { orderId?: unknown }).orderId;
          if (typeof orderId !== 'string') continue;
          anyPurchaseOrders.add(orderId);
          if (next.kind === 'valid') validOrders.add(orderId);
        } catch {}
      }
      for (let i = 0; i < records.length; i += 500) await traffic.publisher.publish(records.slice(i, i + 500));
      // Everything still reaches Kafka, unchanged.
      expect(inner.records).toHaveLength(records.length);

      expect(validOrders.size).toBeGreaterThan(10);
      const inShop = new Set((await shop.query<{ order_id: string }>('SELECT order_id FROM orders')).map((r) => r.order_id));
      // Every valid purchase's order is in the shop; every shop order came from a purchase event.
      for (const id of validOrders) expect(inShop.has(id)).toBe(true);
      for (const id of inShop) expect(anyPurchaseOrders.has(id)).toBe(true);
      const [lines] = await shop.query<{ n: number }>('SELECT count(*)::int AS n FROM order_lines');
      expect(traffic.stats.linesWritten).toBe(lines?.n);

      await waitFor(
        'orders paid and shipped, prices changed',
        async () => {
          const [s] = await shop.query<{ paid: number; shipped: number; total: string }>(
            `SELECT count(*) FILTER (WHERE status = 'paid')::int AS paid, count(*) FILTER (WHERE status = 'shipped')::int AS shipped,
                  (SELECT sum(amount)::text FROM prices) AS total
             FROM orders`,
          );
          return (s?.paid ?? 0) > 0 && (s?.shipped ?? 0) > 0 && s?.total !== pricesBefore[0]?.total;
        },
        30_000,
      );
      expect(traffic.stats.errors).toBe(0);
    } finally {
      await traffic.stop();
    }
  });
});
