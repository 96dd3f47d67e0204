/** Opens the local store (DATABASE_URL or PGlite in a data folder), migrated and seeded. */
import { migrate } from '../../src/store/migrate.js';
import { describeStore, openStore, type StoreLocation } from '../../src/store/open-store.js';
import { seedReferenceData } from '../../src/store/seed-reference-data.js';
import type { SqlClient } from '../../src/store/sql-client.js';

export async function openPreparedStore(location: StoreLocation = {}): Promise<{ client: SqlClient; description: string }> {
  const client = await openStore(location);
  try {
    await migrate(client);
    await seedReferenceData(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  return { client, description: describeStore(client, location) };
}
