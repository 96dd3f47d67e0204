/** Local retention: stored events older than the retention go, the rollups stay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteExpiredEvents } from '../../local/twin/raw-retention.js';
import { pgliteTestStore, type TestStore } from '../helpers/stores.js';

describe('deleteExpiredEvents (PGlite)', () => {
  let store: TestStore;
  const now = Date.parse('2026-12-06T12:00:00Z');

  beforeAll(async () => {
    store = await pgliteTestStore();
    const insert = (id: string, storedAt: number) =>
      store.client.query(
        `INSERT INTO events (event_id, event_type, schema_version, source, event_time, received_at, ingested_at, payload)
         VALUES ($1, 'page_view', 1, 'web', $2, $2, $2, '{}')`,
        [id, new Date(storedAt)],
      );
    await insert('old-1', now - 3 * 3_600_000);
    await insert('old-2', now - 31 * 60_000);
    await insert('new-1', now - 29 * 60_000);
    await insert('new-2', now - 1_000);
    await store.client.query(
      `INSERT INTO metrics_minute (bucket, event_type, category, country, device_class, events, quantity, revenue_usd, bot_events)
       VALUES ($1, 'page_view', '', '', '', 4, 0, 0, 0)`,
      [new Date(now - 3 * 3_600_000)],
    );
  }, 120_000);

  afterAll(async () => {
    await store?.dispose();
  });

  it('deletes events stored before the retention and keeps the rollups', async () => {
    expect(await deleteExpiredEvents(store.client, 30 * 60_000, now)).toBe(2);
    const left = await store.client.query<{ event_id: string }>('SELECT event_id FROM events ORDER BY event_id');
    expect(left.map((r) => r.event_id)).toEqual(['new-1', 'new-2']);
    const [rollup] = await store.client.query<{ events: number }>('SELECT sum(events)::int AS events FROM metrics_minute');
    expect(rollup?.events).toBe(4);
    expect(await deleteExpiredEvents(store.client, 30 * 60_000, now)).toBe(0);
  });
});
