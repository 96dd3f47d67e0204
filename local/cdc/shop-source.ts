/**
 * The shop database the twin captures: SOURCE_DATABASE_URL when set, else a `shop` database on the
 * embedded PostgreSQL server kept in <dataDir>/postgres (wal_level=logical). Migrated and seeded.
 */
import { join } from 'node:path';
import { migrateShop } from '../../src/shop/shop-database.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { acquireEmbeddedPostgres, type SharedPostgres } from '../postgres/shared-server.js';
import { seedShop } from './seed-shop.js';

export interface ShopSource {
  readonly url: string;
  /** For messages, without credentials. */
  readonly description: string;
  /** A client on the shop database (the traffic generator writes through it). */
  readonly client: SqlClient;
  readonly server?: SharedPostgres;
  close(): Promise<void>;
}

export async function openShopSource(options: { sourceUrl?: string; dataDir: string }): Promise<ShopSource> {
  let server: SharedPostgres | undefined;
  let url = options.sourceUrl;
  if (!url) {
    // The same server as the analytics store's when both use the default folder.
    server = await acquireEmbeddedPostgres(join(options.dataDir, 'postgres'));
    await server.ensureDatabase('shop');
    url = server.url('shop');
  }
  const client = createPostgresClient({ connectionString: url });
  try {
    await migrateShop(client);
    await seedShop(client);
  } catch (error) {
    await client.close();
    await server?.release();
    throw error;
  }
  return {
    url,
    description: server ? `embedded PostgreSQL ${server.dataDir} (port ${server.port}), database shop` : url.replace(/\/\/[^@/]*@/, '//'),
    client,
    server,
    async close() {
      await client.close();
      await server?.release();
    },
  };
}
