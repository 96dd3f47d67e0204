/** Seeds the shop database with the sample catalogue and rates the analytics store is seeded with (idempotent). */
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { productCatalogue } from '../../src/reference/product-catalogue.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export async function seedShop(client: SqlClient): Promise<void> {
  const products = productCatalogue();
  const rates = Object.entries(SAMPLE_USD_RATES);
  await client.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO currency_rates (currency, usd_rate) SELECT * FROM unnest($1::text[], $2::numeric[]) ON CONFLICT (currency) DO NOTHING`,
      [rates.map(([c]) => c), rates.map(([, r]) => r)],
    );
    await tx.query(
      `INSERT INTO products (sku, name, category, stock, tags)
       SELECT sku, name, category, 100, ARRAY[category] FROM unnest($1::text[], $2::text[], $3::text[]) AS p(sku, name, category)
       ON CONFLICT (sku) DO NOTHING`,
      [products.map((p) => p.sku), products.map((p) => p.name), products.map((p) => p.category)],
    );
    await tx.query(
      `INSERT INTO prices (sku, currency, amount) SELECT sku, 'USD', amount FROM unnest($1::text[], $2::numeric[]) AS p(sku, amount)
       ON CONFLICT (sku, currency) DO NOTHING`,
      [products.map((p) => p.sku), products.map((p) => p.listPriceUsd)],
    );
  });
}
