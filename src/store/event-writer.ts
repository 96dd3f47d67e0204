/**
 * Writes a batch of enriched events in ONE statement inside one transaction: events are inserted
 * idempotently (event_id is the key) and the rollups are updated from exactly the rows that were
 * new, so a redelivered or overlapping batch changes nothing.
 */
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS } from '../analytics/freshness-buckets.js';
import type { EnrichedEvent } from '../events/event-schemas.js';
import type { SqlClient } from './sql-client.js';

export interface WriteResult {
  inserted: number;
  duplicates: number;
  /** Received time (epoch ms) of each newly inserted event, for latency measured after commit. */
  insertedReceivedAt: number[];
}

// Column order of the unnest() input; each entry is [column, SQL array type, value getter].
const COLUMNS: readonly [string, string, (e: EnrichedEvent) => unknown][] = [
  ['event_id', 'text', (e) => e.eventId],
  ['event_type', 'text', (e) => e.type],
  ['schema_version', 'int2', (e) => e.schemaVersion],
  ['source', 'text', (e) => e.source],
  ['event_time', 'timestamptz', (e) => e.occurredAt],
  ['received_at', 'timestamptz', (e) => e.receivedAt],
  ['user_id', 'text', (e) => e.userId ?? null],
  ['session_id', 'text', (e) => e.sessionId ?? null],
  ['device_id', 'text', (e) => e.deviceId ?? null],
  ['sku', 'text', (e) => ('sku' in e ? e.sku : null)],
  ['product_name', 'text', (e) => e.enrichment.productName],
  ['category', 'text', (e) => e.enrichment.category],
  ['quantity', 'int4', (e) => ('quantity' in e ? e.quantity : 'itemCount' in e ? e.itemCount : null)],
  ['price', 'numeric', (e) => ('price' in e ? e.price : 'cartValue' in e ? e.cartValue : null)],
  ['currency', 'text', (e) => ('currency' in e ? e.currency : null)],
  ['value_usd', 'numeric', (e) => e.enrichment.valueUsd],
  ['revenue_usd', 'numeric', (e) => e.enrichment.revenueUsd],
  ['country', 'text', (e) => e.enrichment.country],
  ['device_class', 'text', (e) => e.enrichment.deviceClass],
  ['browser', 'text', (e) => e.enrichment.browser],
  ['os', 'text', (e) => e.enrichment.os],
  ['is_bot', 'bool', (e) => e.enrichment.isBot],
  ['payload', 'jsonb', (e) => JSON.stringify(e)],
];

const columnList = COLUMNS.map(([c]) => c).join(', ');
const unnestArgs = COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
const boundsParam = `$${COLUMNS.length + 1}::int4[]`;

// ingested_at is the statement's clock; the commit follows within the same round trip.
const WRITE_BATCH_SQL = `
WITH input AS (
  SELECT * FROM unnest(${unnestArgs}) AS t(${columnList})
), new_rows AS (
  INSERT INTO events (${columnList}, ingested_at)
  SELECT ${columnList}, clock_timestamp() FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_type, event_time, received_at, ingested_at, category, country, device_class, quantity, revenue_usd, is_bot
), metrics AS (
  INSERT INTO metrics_minute AS m (bucket, event_type, category, country, device_class, events, quantity, revenue_usd, bot_events)
  SELECT date_trunc('minute', event_time), event_type, coalesce(category, ''), coalesce(country, ''), coalesce(device_class, ''),
         count(*), coalesce(sum(quantity), 0), coalesce(sum(revenue_usd), 0), count(*) FILTER (WHERE is_bot)
  FROM new_rows GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (bucket, event_type, category, country, device_class) DO UPDATE SET
    events = m.events + EXCLUDED.events, quantity = m.quantity + EXCLUDED.quantity,
    revenue_usd = m.revenue_usd + EXCLUDED.revenue_usd, bot_events = m.bot_events + EXCLUDED.bot_events
), latency AS (
  SELECT date_trunc('minute', ingested_at) AS bucket,
         coalesce((SELECT min(b) FROM unnest(${boundsParam}) AS b
                   WHERE b >= extract(epoch FROM ingested_at - received_at) * 1000), ${LATENCY_OVERFLOW_LE_MS}) AS le_ms
  FROM new_rows
), freshness AS (
  INSERT INTO freshness_minute AS f (bucket, le_ms, events)
  SELECT bucket, le_ms, count(*) FROM latency GROUP BY 1, 2
  ON CONFLICT (bucket, le_ms) DO UPDATE SET events = f.events + EXCLUDED.events
)
SELECT (extract(epoch FROM received_at) * 1000)::float8 AS received_ms FROM new_rows`;

const RECORD_BATCH_SQL = `
INSERT INTO sink_batches (committed_at, records, inserted, duplicates) VALUES (clock_timestamp(), $1, $2, $3)`;

/** Stores the batch; throws only when the store fails (the caller treats that as transient). */
export async function writeEvents(client: SqlClient, events: readonly EnrichedEvent[]): Promise<WriteResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0, insertedReceivedAt: [] };
  const params: unknown[] = COLUMNS.map(([, , get]) => events.map(get));
  params.push(LATENCY_BUCKET_BOUNDS_MS);
  return client.transaction(async (tx) => {
    const rows = await tx.query<{ received_ms: number }>(WRITE_BATCH_SQL, params);
    const inserted = rows.length;
    await tx.query(RECORD_BATCH_SQL, [events.length, inserted, events.length - inserted]);
    return { inserted, duplicates: events.length - inserted, insertedReceivedAt: rows.map((r) => Number(r.received_ms)) };
  });
}
