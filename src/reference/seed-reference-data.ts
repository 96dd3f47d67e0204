/** Seeds the sample reference data (idempotent upserts), so the default pipeline enriches meaningfully. */

import type { SqlClient } from '../store/sql-client.js';
import { SAMPLE_USD_RATES } from './currency-rates.js';
import { sampleIpRanges } from './ip-ranges.js';
import { productCatalogue } from './product-catalogue.js';

export async function seedReferenceData(client: SqlClient): Promise<void> {
  const products = productCatalogue();
  const rates = Object.entries(SAMPLE_USD_RATES);
  const ranges = sampleIpRanges();
  await client.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO products (sku, name, category, list_price_usd)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[])
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, list_price_usd = EXCLUDED.list_price_usd
       -- A product the shop's change stream has written is the shop's: seeding never undoes it.
       WHERE NOT EXISTS (SELECT 1 FROM reference_positions r WHERE r.table_name = 'products' AND r.row_key = EXCLUDED.sku)`,
      [products.map((p) => p.sku), products.map((p) => p.name), products.map((p) => p.category), products.map((p) => p.listPriceUsd)],
    );
    await tx.query(
      `INSERT INTO currency_rates (currency, usd_rate)
       SELECT * FROM unnest($1::text[], $2::numeric[])
       ON CONFLICT (currency) DO NOTHING`,
      [rates.map(([c]) => c), rates.map(([, r]) => r)],
    );
    await tx.query(
      `INSERT INTO ip_ranges (network, country)
       SELECT * FROM unnest($1::cidr[], $2::text[])
       ON CONFLICT (network) DO NOTHING`,
      [ranges.map((r) => r.network), ranges.map((r) => r.country)],
    );
  });
}
