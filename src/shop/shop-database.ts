/**
 * The operational shop database (PostgreSQL): products, prices, currency rates, customers, orders
 * and order lines. Its own versioned migrations, applied with the same migrator as the analytics
 * store. It is the change-data-capture source; the analytics store mirrors parts of it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate } from '../store/migrate.js';
import type { SqlClient } from '../store/sql-client.js';

export const SHOP_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/**
 * Folder, next to the bundled replication-user handler, the shop migrations are copied to
 * (infra/cdc/shop-replication-user.ts copies them, functions/shop-replication-user applies them).
 */
export const BUNDLED_SHOP_MIGRATIONS_DIR = 'shop-migrations';

/** The tables of the shop schema, in the order their rows may be created. */
export const SHOP_TABLES = ['currency_rates', 'products', 'prices', 'customers', 'orders', 'order_lines'] as const;
export type ShopTable = (typeof SHOP_TABLES)[number];

/** The shop's schema in its database. */
export const SHOP_SCHEMA = 'public';

/** Applies the shop migrations not yet applied; returns the versions applied now. */
export function migrateShop(client: SqlClient): Promise<number[]> {
  return migrate(client, loadMigrations(SHOP_MIGRATIONS_DIR));
}
