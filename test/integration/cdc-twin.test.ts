/**
 * Change data capture in the twin: the shop database (a real PostgreSQL with wal_level=logical)
 * captured into Kafka and consumed by the catalogue and orders stages. A rate and a product changed
 * in the shop are used by enrich within 2 s, with no re-seeding; the order mirror equals the shop's
 * tables (contents, not counts) after inserts, status changes and deletes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { runNamedQuery } from '../../src/analytics/named-queries.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { type SourceDatabase, sourceDatabase } from '../helpers/cdc-source.js';
import { mirroredOrders, shopOrders } from '../helpers/mirror-compare.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

describe('change data capture in the twin', () => {
  let store: TestStore;
  let source: SourceDatabase;
  let twin: LocalTwin;
  let dataDir: string;

  beforeAll(async () => {
    store = await postgresTestStore();
    source = await sourceDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tributary-cdc-twin-'));
    twin = await startTwin({
      pipeline: definePipeline({ name: 'cdctwin', partitions: 2 }),
      store: { databaseUrl: store.url },
      cdc: { sourceUrl: source.url, dataDir },
      onWarning: () => {},
    });
    // The initial snapshot of the shop (its seeded catalogue) is applied before anything is timed.
    expect(await twin.cdc?.shop.capture.caughtUp(60_000)).toBe(true);
    expect(await twin.drain(60_000)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await twin?.stop();
    await store?.dispose();
    await source?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const purchase = (eventId: string, currency: string, orderId = `o-${eventId}`) => ({
    eventId,
    type: 'purchase',
    source: 'web',
    occurredAt: Date.now(),
    userId: 'u-cdc',
    orderId,
    sku: 'SKU-00004',
    quantity: 2,
    price: 24.5,
    currency,
  });

  async function storedPurchase(eventId: string): Promise<{ revenue_usd: string; product_name: string }> {
    await waitFor(
      `event ${eventId} stored`,
      async () => (await store.client.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).length > 0,
    );
    const [row] = await store.client.query<{ revenue_usd: string; product_name: string }>(
      'SELECT revenue_usd::text, product_name FROM events WHERE event_id = $1',
      [eventId],
    );
    return row as { revenue_usd: string; product_name: string };
  }

  it('enrich uses a rate and a product name changed in the shop database within 2 s', async () => {
    const raw = twin.pipeline.topics.raw.name;
    await twin.publisher.publish([{ topic: raw, key: null, value: JSON.stringify(purchase('cdc-usd', 'USD')), headers: {} }]);
    const usd = await storedPurchase('cdc-usd');

    const changedAt = Date.now();
    await source.query("UPDATE currency_rates SET usd_rate = 2, updated_at = now() WHERE currency = 'EUR'");
    await source.query("UPDATE products SET name = 'Renamed By The Shop' WHERE sku = 'SKU-00004'");
    await waitFor(
      'the shop changes in the reference data',
      async () => {
        const [rate] = await store.client.query<{ usd_rate: string }>("SELECT usd_rate::text FROM currency_rates WHERE currency = 'EUR'");
        const [product] = await store.client.query<{ name: string }>("SELECT name FROM products WHERE sku = 'SKU-00004'");
        return Number(rate?.usd_rate) === 2 && product?.name === 'Renamed By The Shop';
      },
      10_000,
    );
    expect(Date.now() - changedAt).toBeLessThanOrEqual(2000);

    // enrich's cache (5 min TTL) was dropped when the change was applied: the next event sees it.
    await twin.publisher.publish([{ topic: raw, key: null, value: JSON.stringify(purchase('cdc-eur', 'EUR')), headers: {} }]);
    const eur = await storedPurchase('cdc-eur');
    expect(Number(eur.revenue_usd)).toBeCloseTo(2 * Number(usd.revenue_usd), 2);
    expect(eur.product_name).toBe('Renamed By The Shop');
  });

  it('mirrors orders and order lines: inserts, status changes, deletes', async () => {
    await source.query(
      "INSERT INTO customers (customer_id, email, country) VALUES ('c-1', 'c1@example.com', 'DE'), ('c-2', 'c2@example.com', 'FR')",
    );
    for (let i = 1; i <= 20; i++) {
      await source.query(
        "INSERT INTO orders (order_id, customer_id, status, currency, total, placed_at) VALUES ($1, $2, 'placed', 'EUR', $3, now())",
        [`o-${i}`, i % 2 ? 'c-1' : 'c-2', (i * 10.25).toFixed(2)],
      );
      await source.query("INSERT INTO order_lines VALUES ($1, 1, 'SKU-00001', 1, $2), ($1, 2, 'SKU-00002', 3, 1.50)", [
        `o-${i}`,
        (i * 10.25 - 4.5).toFixed(2),
      ]);
    }
    await source.query("UPDATE orders SET status = 'paid', updated_at = now() WHERE order_id IN ('o-1', 'o-2', 'o-3', 'o-4')");
    await source.query("UPDATE orders SET status = 'shipped', updated_at = now() WHERE order_id IN ('o-1', 'o-2')");
    await source.query("UPDATE orders SET status = 'cancelled', updated_at = now() WHERE order_id = 'o-5'");
    await source.query("DELETE FROM orders WHERE order_id IN ('o-6', 'o-7')");
    await source.query("UPDATE order_lines SET quantity = 9 WHERE order_id = 'o-8' AND line_no = 2");

    expect(await twin.cdc?.shop.capture.caughtUp(30_000)).toBe(true);
    expect(await twin.drain(60_000)).toBe(true);
    const mirror = await mirroredOrders(store.client);
    expect(mirror).toEqual(await shopOrders({ query: (sql) => source.query(sql) }));
    expect(mirror.orders).toHaveLength(18);
    expect(twin.cdc?.stats.stages.orders.dlq).toBe(0);
  });

  it('answers the order metrics and the reconciliation as named queries', async () => {
    const orders = await runNamedQuery(store.client, 'orders', { last: '1h' });
    expect(orders.rows).toEqual([
      ['placed', 13, expect.any(Number), 'no'],
      ['paid', 2, expect.any(Number), 'yes'],
      ['shipped', 2, expect.any(Number), 'yes'],
      ['cancelled', 1, expect.any(Number), 'no'],
    ]);
    // EUR is worth 2 USD since the first test; o-1..o-4 (paid or shipped) total 102.50 EUR.
    expect(orders.notes[0]).toBe('confirmed revenue (paid + shipped): 205.00 USD');

    // One clickstream purchase of a shop order, two (from the first test) of orders the shop lacks.
    await twin.publisher.publish([
      { topic: twin.pipeline.topics.raw.name, key: null, value: JSON.stringify(purchase('cdc-o9', 'EUR', 'o-9')), headers: {} },
    ]);
    await storedPurchase('cdc-o9');
    const reconciliation = await runNamedQuery(store.client, 'reconciliation', { last: '1h' });
    expect(reconciliation.rows).toEqual([[3, 18, 1, 2, 17, -15]]);
  });
});
