/**
 * The twin's control API on the dashboard server: JSON bodies only (no cross-site simple
 * requests), read-only SQL, stored event ids, seek targets, and POST /events with the AWS
 * http-ingest function's answers. Over a real PGlite store and HTTP; Kafka is a collecting publisher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import { parseSeekTarget } from '../../local/dashboard/twin-api.js';
import { collectingPublisher } from '../helpers/fixtures.js';
import { pgliteTestStore, type TestStore } from '../helpers/stores.js';

describe('twin control API', () => {
  let store: TestStore;
  let server: DashboardServer;
  let bare: DashboardServer;
  const publisher = collectingPublisher();
  const seeks: [string, number][] = [];

  beforeAll(async () => {
    store = await pgliteTestStore();
    await store.client.query(
      `INSERT INTO events (event_id, event_type, schema_version, source, event_time, received_at, ingested_at, payload)
       VALUES ('e-1', 'page_view', 1, 'web', now(), now(), now(), '{}')`,
    );
    server = await startDashboardServer({
      store: store.client,
      port: 0,
      api: {
        store: store.client,
        publisher,
        rawTopic: 'shop-raw',
        status: async () => ({ pid: 1 }),
        seek: async (stage, to) => {
          seeks.push([stage, to]);
          return { stage };
        },
      },
    });
    bare = await startDashboardServer({ store: store.client, port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await bare?.close();
    await store?.dispose();
  });

  const post = (path: string, body: string, type = 'application/json', base = server.url) =>
    fetch(new URL(path, base), { method: 'POST', headers: { 'content-type': type }, body });

  it('runs one read-only statement and refuses writes with PostgreSQL own words', async () => {
    const ok = await post('api/sql', JSON.stringify({ sql: 'select count(*)::int as n from events' }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ columns: ['n'], rows: [{ n: 1 }] });
    const write = await post('api/sql', JSON.stringify({ sql: 'delete from events' }));
    expect(write.status).toBe(400);
    expect(((await write.json()) as { message: string }).message).toMatch(/read-only/);
    const [left] = await store.client.query<{ n: number }>('select count(*)::int as n from events');
    expect(left?.n).toBe(1);
  });

  it('accepts JSON bodies only, so a page elsewhere cannot post a simple request', async () => {
    const form = await post('api/sql', JSON.stringify({ sql: 'select 1' }), 'text/plain');
    expect(form.status).toBe(415);
    const notObject = await post('api/sql', '[1]');
    expect(notObject.status).toBe(400);
    expect((await fetch(new URL('api/sql', server.url))).status).toBe(405);
  });

  it('says which event ids are stored', async () => {
    const res = await post('api/stored-event-ids', JSON.stringify({ ids: ['e-1', 'e-2'] }));
    expect(await res.json()).toEqual({ stored: ['e-1'] });
    expect((await post('api/stored-event-ids', JSON.stringify({ ids: [1] }))).status).toBe(400);
  });

  it('moves a stage to a time, refusing unknown stages and unreadable times', async () => {
    expect((await post('api/groups/sink/seek', JSON.stringify({ to: 'earliest' }))).status).toBe(200);
    expect((await post('api/groups/nope/seek', JSON.stringify({ to: 'earliest' }))).status).toBe(404);
    expect((await post('api/groups/sink/seek', JSON.stringify({ to: 'yesterday' }))).status).toBe(400);
    expect(seeks).toEqual([['sink', -2]]);
    expect(parseSeekTarget('15m', 1_000_000)).toBe(100_000);
    expect(parseSeekTarget('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseSeekTarget('latest')).toBe(-1);
  });

  it('POST /events answers as the AWS http-ingest function: 202 and records keyed by entity, 422 listing bad events', async () => {
    const event = {
      eventId: 'h-1',
      type: 'page_view',
      schemaVersion: 1,
      source: 'web',
      occurredAt: new Date().toISOString(),
      sessionId: 's-1',
      userId: 'u-1',
      url: 'https://shop.example/',
    };
    const bad = await post('events', JSON.stringify({ events: [{ type: 'page_view' }] }));
    expect(bad.status).toBe(422);
    expect(publisher.records).toEqual([]);
    const good = await post('events', JSON.stringify({ events: [event] }));
    const answer = await good.json();
    expect({ status: good.status, answer }).toEqual({ status: 202, answer: { accepted: 1 } });
    expect(publisher.records.map((r) => r.topic)).toEqual(['shop-raw']);
    expect(JSON.parse(String(publisher.records[0]?.value))).toMatchObject({ eventId: 'h-1' });
    const huge = await post('events', JSON.stringify({ events: ['x'.repeat(1024 * 1024)] }));
    expect(huge.status).toBe(413);
  });

  it('is absent from a server started without it', async () => {
    expect((await fetch(new URL('api/status', bare.url))).status).toBe(404);
    expect((await post('events', '{}', 'application/json', bare.url)).status).toBe(404);
  });
});
