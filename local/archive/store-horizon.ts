/**
 * Where the local store's history begins, for historical queries: events before it are read from
 * the archive. The store keeps what it was given since it was created (nothing prunes it locally),
 * so the horizon is its earliest stored minute; a retention, when set, moves it later (as a store
 * pruned to that retention would be). An empty store's horizon is now: everything is archive.
 */
import type { SqlQueryable } from '../../src/store/sql-client.js';

export async function storeHorizon(store: SqlQueryable, now: Date, retentionMs?: number): Promise<Date> {
  const [row] = await store.query<{ first: unknown }>(`SELECT date_part('epoch', min(bucket)) AS first FROM metrics_minute`);
  const first = row?.first === null || row?.first === undefined ? now.getTime() : Number(row.first) * 1000;
  const byRetention = retentionMs === undefined ? Number.NEGATIVE_INFINITY : now.getTime() - retentionMs;
  return new Date(Math.max(first, byRetention));
}
