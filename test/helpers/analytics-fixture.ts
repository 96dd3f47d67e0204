/**
 * A seeded storefront history for analytics tests: sessions walking (or not) through the funnel,
 * stored as the sink would store them: events, metrics_minute and freshness_minute computed
 * from exactly those events, and sink_batches. Tests compute their expectations from `events`.
 */

import { CURRENT_SCHEMA_VERSION, type Enrichment, type EventType } from '../../src/events/event-schemas.js';
import { pick, type Random, seededRandom } from '../../src/reference/seeded-random.js';
import { latencyBucketUpperBound } from '../../src/store/freshness-buckets.js';
import { FUNNEL_STEPS, firstTimeColumn } from '../../src/store/funnel-steps.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';

/** One stored event, flattened as in the events table; the enrichment fields are enrich's own. */
export interface FixtureEvent
  extends Pick<Enrichment, 'productName' | 'category' | 'revenueUsd' | 'country' | 'deviceClass' | 'browser' | 'os' | 'isBot'> {
  eventId: string;
  eventType: EventType;
  eventTime: Date;
  receivedAt: Date;
  ingestedAt: Date;
  userId: string | null;
  sessionId: string | null;
  deviceId: string | null;
  sku: string | null;
  quantity: number | null;
  price: number | null;
}

export interface FixtureBatch {
  committedAt: Date;
  records: number;
  inserted: number;
  duplicates: number;
}

export interface AnalyticsFixture {
  now: Date;
  events: FixtureEvent[];
  batches: FixtureBatch[];
}

export interface FixtureOptions {
  now: Date;
  seed?: number;
  sessions?: number;
  /** Sessions start within this long before now. */
  spanMs?: number;
}

const PRODUCTS = [
  { sku: 'BK-001', name: 'Field Notes', category: 'books', price: 12.5 },
  { sku: 'BK-002', name: 'Atlas of Rivers', category: 'books', price: 39.99 },
  { sku: 'BK-003', name: 'Pocket Guide', category: 'books', price: 7.25 },
  { sku: 'GD-001', name: 'Trail Lamp', category: 'gadgets', price: 59 },
  { sku: 'GD-002', name: 'Solar Charger', category: 'gadgets', price: 84.5 },
  { sku: 'GD-003', name: 'Compass Pro', category: 'gadgets', price: 23.75 },
  { sku: 'AP-001', name: 'Rain Shell', category: 'apparel', price: 120 },
  { sku: 'AP-002', name: 'Wool Socks', category: 'apparel', price: 14 },
  { sku: 'HM-001', name: 'Enamel Mug', category: 'home', price: 9.5 },
  { sku: 'HM-002', name: 'Camp Kettle', category: 'home', price: 31 },
] as const;
const COUNTRIES = ['US', 'US', 'DE', 'FR', 'GB', 'JP', null] as const;
const DEVICE_CLASSES = ['desktop', 'mobile', 'mobile', 'tablet'] as const;
const BROWSERS = [
  ['Chrome', 'Windows'],
  ['Chrome', 'Android'],
  ['Safari', 'iOS'],
  ['Firefox', 'Linux'],
  [null, null],
] as const;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Latency from raw to committed, ms: mostly under a second, a tail of seconds, a few outliers. */
function latencyMs(random: Random, backlog: boolean): number {
  // Beyond the last bound (1 h): the overflow bucket.
  if (backlog) return 7_500_000 + random() * 300_000;
  const r = random();
  if (r < 0.01) return -40; // clock skew between producer and store
  if (r < 0.05) return 20_000 + random() * 100_000;
  if (r < 0.2) return 1_000 + random() * 3_000;
  return 60 + random() * 900;
}

/** Builds the history; the same options give the same events. */
export function buildAnalyticsFixture(options: FixtureOptions): AnalyticsFixture {
  const random = seededRandom(options.seed ?? 42);
  const nowMs = options.now.getTime();
  const spanMs = options.spanMs ?? 50 * 60_000;
  const sessions = options.sessions ?? 300;
  const events: FixtureEvent[] = [];
  let seq = 0;

  for (let s = 0; s < sessions; s++) {
    // A few sessions long before the windows tested, stored after a backlog of over 2 hours: their
    // events fall outside event-time windows while their latency lands in recent freshness minutes.
    const old = s % 97 === 0;
    // Sessions last under 7 minutes, so every event is stored before now.
    let t = old ? nowMs - 9_000_000 - random() * 300_000 : nowMs - spanMs + random() * (spanMs - 10 * 60_000);
    const [browser, os] = pick(random, BROWSERS);
    const visitor = {
      userId: random() < 0.1 ? null : `u${Math.floor(random() * sessions * 0.6)}`,
      sessionId: random() < 0.04 ? null : `s${s}`,
      deviceId: `d${s}`,
      country: pick(random, COUNTRIES),
      deviceClass: pick(random, DEVICE_CLASSES),
      browser,
      os,
      isBot: random() < 0.06,
    };
    const emit = (eventType: EventType, fields: Partial<FixtureEvent> = {}) => {
      const receivedAt = t + Math.floor(random() * 400);
      events.push({
        eventId: `e${String(seq++).padStart(6, '0')}`,
        eventType,
        eventTime: new Date(t),
        receivedAt: new Date(receivedAt),
        ingestedAt: new Date(receivedAt + Math.round(latencyMs(random, old))),
        sku: null,
        productName: null,
        category: null,
        quantity: null,
        price: null,
        revenueUsd: null,
        ...visitor,
        ...fields,
      });
      t += 1_000 + Math.floor(random() * 25_000);
    };
    const productFields = (p: (typeof PRODUCTS)[number]) => ({ sku: p.sku, productName: p.name, category: p.category });

    emit('page_view');
    if (random() < 0.3) emit('search');
    if (random() < 0.05) {
      // Cart before view: must not count as reaching add_to_cart in the ordered funnel.
      const p = pick(random, PRODUCTS);
      emit('add_to_cart', { ...productFields(p), quantity: 1, price: p.price });
      emit('product_view', productFields(p));
      continue;
    }
    if (random() < 0.15) continue;
    const viewed = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, PRODUCTS));
    for (const p of viewed) emit('product_view', productFields(p));
    if (random() < 0.45) continue;
    const cart = viewed.slice(0, 1 + Math.floor(random() * viewed.length)).map((p) => ({ p, quantity: 1 + Math.floor(random() * 3) }));
    for (const { p, quantity } of cart) emit('add_to_cart', { ...productFields(p), quantity, price: p.price });
    if (random() < 0.35) continue;
    const cartValue = round2(cart.reduce((sum, { p, quantity }) => sum + p.price * quantity, 0));
    emit('checkout', { quantity: cart.length, price: cartValue });
    if (random() < 0.3) continue;
    for (const { p, quantity } of cart) {
      emit('purchase', { ...productFields(p), quantity, price: p.price, revenueUsd: round2(p.price * quantity) });
    }
  }

  const byCommit = [...events].sort((a, b) => a.ingestedAt.getTime() - b.ingestedAt.getTime());
  const batches: FixtureBatch[] = [];
  for (let i = 0; i < byCommit.length; i += 40) {
    const chunk = byCommit.slice(i, i + 40);
    const duplicates = Math.floor(random() * 4);
    batches.push({
      committedAt: new Date(Math.max(...chunk.map((e) => e.ingestedAt.getTime()))),
      records: chunk.length + duplicates,
      inserted: chunk.length,
      duplicates,
    });
  }
  return { now: options.now, events, batches };
}

const minute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000).toISOString();

/** Writes the fixture: events, then rollups and batches consistent with them. */
export async function insertAnalyticsFixture(db: SqlQueryable, fixture: AnalyticsFixture): Promise<void> {
  const rows = fixture.events.map((e) => ({
    event_id: e.eventId,
    event_type: e.eventType,
    schema_version: CURRENT_SCHEMA_VERSION,
    source: 'web',
    event_time: e.eventTime.toISOString(),
    received_at: e.receivedAt.toISOString(),
    ingested_at: e.ingestedAt.toISOString(),
    user_id: e.userId,
    session_id: e.sessionId,
    device_id: e.deviceId,
    sku: e.sku,
    product_name: e.productName,
    category: e.category,
    quantity: e.quantity,
    price: e.price,
    currency: e.price === null ? null : 'USD',
    value_usd: e.price,
    revenue_usd: e.revenueUsd,
    country: e.country,
    device_class: e.deviceClass,
    browser: e.browser,
    os: e.os,
    is_bot: e.isBot,
    payload: { eventId: e.eventId, type: e.eventType },
  }));
  await db.query(
    `INSERT INTO events (event_id, event_type, schema_version, source, event_time, received_at, ingested_at, user_id, session_id,
                         device_id, sku, product_name, category, quantity, price, currency, value_usd, revenue_usd, country,
                         device_class, browser, os, is_bot, payload)
     SELECT event_id, event_type, schema_version, source, event_time, received_at, ingested_at, user_id, session_id,
            device_id, sku, product_name, category, quantity, price, currency, value_usd, revenue_usd, country,
            device_class, browser, os, is_bot, payload
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, event_type text, schema_version smallint, source text,
            event_time timestamptz, received_at timestamptz, ingested_at timestamptz, user_id text, session_id text,
            device_id text, sku text, product_name text, category text, quantity integer, price numeric, currency text,
            value_usd numeric, revenue_usd numeric, country text, device_class text, browser text, os text, is_bot boolean,
            payload jsonb)`,
    [JSON.stringify(rows)],
  );

  const metrics = new Map<
    string,
    {
      bucket: string;
      event_type: string;
      category: string;
      country: string;
      device_class: string;
      events: number;
      quantity: number;
      revenue_usd: number;
      bot_events: number;
    }
  >();
  for (const e of fixture.events) {
    const dims = {
      bucket: minute(e.eventTime),
      event_type: e.eventType,
      category: e.category ?? '',
      country: e.country ?? '',
      device_class: e.deviceClass,
    };
    const key = JSON.stringify(dims);
    const m = metrics.get(key) ?? { ...dims, events: 0, quantity: 0, revenue_usd: 0, bot_events: 0 };
    m.events += 1;
    m.quantity += e.quantity ?? 0;
    m.revenue_usd = round2(m.revenue_usd + (e.revenueUsd ?? 0));
    m.bot_events += e.isBot ? 1 : 0;
    metrics.set(key, m);
  }
  await db.query(
    `INSERT INTO metrics_minute (bucket, event_type, category, country, device_class, events, quantity, revenue_usd, bot_events)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(bucket timestamptz, event_type text, category text, country text,
            device_class text, events bigint, quantity bigint, revenue_usd numeric, bot_events bigint)`,
    [JSON.stringify([...metrics.values()])],
  );

  const products = new Map<
    string,
    {
      bucket: string;
      sku: string;
      event_type: string;
      product_name: string | null;
      events: number;
      quantity: number;
      revenue_usd: number;
      bot_events: number;
    }
  >();
  for (const e of fixture.events) {
    if (e.sku === null) continue;
    const keyParts = { bucket: minute(e.eventTime), sku: e.sku, event_type: e.eventType };
    const key = JSON.stringify(keyParts);
    const p = products.get(key) ?? { ...keyParts, product_name: e.productName, events: 0, quantity: 0, revenue_usd: 0, bot_events: 0 };
    p.events += 1;
    p.quantity += e.quantity ?? 0;
    p.revenue_usd = round2(p.revenue_usd + (e.revenueUsd ?? 0));
    p.bot_events += e.isBot ? 1 : 0;
    products.set(key, p);
  }
  await db.query(
    `INSERT INTO product_minute (bucket, sku, event_type, product_name, events, quantity, revenue_usd, bot_events)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(bucket timestamptz, sku text, event_type text, product_name text,
            events bigint, quantity bigint, revenue_usd numeric, bot_events bigint)`,
    [JSON.stringify([...products.values()])],
  );

  const freshness = new Map<string, { bucket: string; le_ms: number; events: number }>();
  for (const e of fixture.events) {
    const row = { bucket: minute(e.ingestedAt), le_ms: latencyBucketUpperBound(e.ingestedAt.getTime() - e.receivedAt.getTime()) };
    const key = `${row.bucket}|${row.le_ms}`;
    freshness.set(key, { ...row, events: (freshness.get(key)?.events ?? 0) + 1 });
  }
  await db.query(
    `INSERT INTO freshness_minute (bucket, le_ms, events)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(bucket timestamptz, le_ms integer, events bigint)`,
    [JSON.stringify([...freshness.values()])],
  );

  // funnel_entities: per session and per user, the first time of each funnel step.
  const firstTimes = new Map<string, { entity: string; entity_id: string } & Record<string, string | null>>();
  for (const e of fixture.events) {
    const step = FUNNEL_STEPS.find((s) => s === e.eventType);
    if (step === undefined) continue;
    for (const [entity, id] of [
      ['session', e.sessionId],
      ['user', e.userId],
    ] as const) {
      if (id === null) continue;
      const key = `${entity}|${id}`;
      const row = firstTimes.get(key) ?? {
        entity,
        entity_id: id,
        ...Object.fromEntries(FUNNEL_STEPS.map((s) => [firstTimeColumn(s), null])),
      };
      const column = firstTimeColumn(step);
      const earlier = row[column];
      if (earlier == null || e.eventTime.toISOString() < earlier) row[column] = e.eventTime.toISOString();
      firstTimes.set(key, row);
    }
  }
  await db.query(
    `INSERT INTO funnel_entities (entity, entity_id, product_view_at, add_to_cart_at, checkout_at, purchase_at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(entity text, entity_id text, product_view_at timestamptz,
            add_to_cart_at timestamptz, checkout_at timestamptz, purchase_at timestamptz)`,
    [JSON.stringify([...firstTimes.values()])],
  );

  await db.query(
    `INSERT INTO sink_batches (committed_at, records, inserted, duplicates)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(committed_at timestamptz, records integer, inserted integer, duplicates integer)`,
    [
      JSON.stringify(
        fixture.batches.map((b) => ({
          committed_at: b.committedAt.toISOString(),
          records: b.records,
          inserted: b.inserted,
          duplicates: b.duplicates,
        })),
      ),
    ],
  );
}
