/**
 * Writes a batch of enriched events in ONE statement (so one transaction): events are inserted
 * idempotently (event_id is the key) and the rollups are updated from exactly the rows that were
 * new, so a redelivered or overlapping batch changes nothing.
 */

import type { EnrichedEvent } from '../events/event-schemas.js';
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS } from './freshness-buckets.js';
import { FUNNEL_ENTITIES, FUNNEL_STEPS, firstTimeColumn } from './funnel-steps.js';
import type { SqlClient } from './sql-client.js';

/** Every table the batch statement writes: the events and the rollups kept from them. */
export const SINK_TABLES = ['events', 'metrics_minute', 'product_minute', 'freshness_minute', 'funnel_entities', 'sink_batches'] as const;

export interface WriteResult {
  inserted: number;
  duplicates: number;
  /** Received time (epoch ms) of each newly inserted event, for latency measured after commit. */
  insertedReceivedAt: number[];
}

// The row written for each event: [column, SQL type, value]. The batch travels as ONE jsonb
// parameter (jsonb_to_recordset), which PostgreSQL parses far faster than the driver can escape
// one array parameter per column.
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
  ['payload', 'jsonb', (e) => e],
];

const columnList = COLUMNS.map(([c]) => c).join(', ');
const recordDefinition = COLUMNS.map(([c, type]) => `${c} ${type}`).join(', ');

function rowsJson(events: readonly EnrichedEvent[]): string {
  return JSON.stringify(events.map((e) => Object.fromEntries(COLUMNS.map(([c, , get]) => [c, get(e)]))));
}

const FUNNEL_COLUMNS = FUNNEL_STEPS.map(firstTimeColumn);
const FUNNEL_KEYS = Object.entries(FUNNEL_ENTITIES)
  .map(([entity, column]) => `('${entity}', ${column})`)
  .join(', ');

/**
 * The batch statement over `input`, a query giving rows with the COLUMNS by name; its parameters are
 * numbered from `firstParam`: the latency bucket bounds, then the batch's record count. One
 * statement, so one round trip and atomic without an explicit transaction. ingested_at is the
 * statement's clock; the commit follows at once. The latency bucket is the first bound >= the
 * latency in whole ms (width_bucket is a binary search over the bounds). The benchmark runs it
 * over a COPY-filled staging table too, to price the same work by PostgreSQL's fastest input path.
 */
export function writeBatchSql(input: string, firstParam: number): string {
  const bounds = `$${firstParam}::int4[]`;
  const records = `$${firstParam + 1}::int4`;
  return `
WITH input AS (
  ${input}
), new_rows AS (
  INSERT INTO events (${columnList}, ingested_at)
  SELECT ${columnList}, clock_timestamp() FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_type, event_time, received_at, ingested_at, sku, product_name, category, country, device_class, quantity, revenue_usd, is_bot,
            session_id, user_id
), metrics AS (
  INSERT INTO metrics_minute AS m (bucket, event_type, category, country, device_class, events, quantity, revenue_usd, bot_events)
  SELECT date_trunc('minute', event_time), event_type, coalesce(category, ''), coalesce(country, ''), coalesce(device_class, ''),
         count(*), coalesce(sum(quantity), 0), coalesce(sum(revenue_usd), 0), count(*) FILTER (WHERE is_bot)
  FROM new_rows GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (bucket, event_type, category, country, device_class) DO UPDATE SET
    events = m.events + EXCLUDED.events, quantity = m.quantity + EXCLUDED.quantity,
    revenue_usd = m.revenue_usd + EXCLUDED.revenue_usd, bot_events = m.bot_events + EXCLUDED.bot_events
), products AS (
  INSERT INTO product_minute AS p (bucket, sku, event_type, product_name, events, quantity, revenue_usd, bot_events)
  SELECT date_trunc('minute', event_time), sku, event_type, max(product_name),
         count(*), coalesce(sum(quantity), 0), coalesce(sum(revenue_usd), 0), count(*) FILTER (WHERE is_bot)
  FROM new_rows WHERE sku IS NOT NULL GROUP BY 1, 2, 3
  ON CONFLICT (bucket, sku, event_type) DO UPDATE SET
    events = p.events + EXCLUDED.events, quantity = p.quantity + EXCLUDED.quantity,
    revenue_usd = p.revenue_usd + EXCLUDED.revenue_usd, bot_events = p.bot_events + EXCLUDED.bot_events
), freshness AS (
  INSERT INTO freshness_minute AS f (bucket, le_ms, events)
  SELECT bucket, coalesce((${bounds})[width_bucket(latency_ms - 1, ${bounds}) + 1], ${LATENCY_OVERFLOW_LE_MS}), count(*)
  FROM (SELECT date_trunc('minute', ingested_at) AS bucket,
               greatest(0, ceil(extract(epoch FROM ingested_at - received_at) * 1000))::int4 AS latency_ms
        FROM new_rows) AS l
  GROUP BY 1, 2
  ON CONFLICT (bucket, le_ms) DO UPDATE SET events = f.events + EXCLUDED.events
), funnel AS (
  INSERT INTO funnel_entities AS f (entity, entity_id, ${FUNNEL_COLUMNS.join(', ')})
  SELECT k.entity, k.id, ${FUNNEL_STEPS.map((step) => `min(event_time) FILTER (WHERE event_type = '${step}')`).join(', ')}
  FROM new_rows CROSS JOIN LATERAL (VALUES ${FUNNEL_KEYS}) AS k(entity, id)
  WHERE k.id IS NOT NULL AND event_type IN (${FUNNEL_STEPS.map((step) => `'${step}'`).join(', ')})
  -- Sorted, so sinks upserting the same entities lock them in the same order.
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (entity, entity_id) DO UPDATE SET ${FUNNEL_COLUMNS.map((c) => `${c} = least(f.${c}, EXCLUDED.${c})`).join(', ')}
  -- Most batches only repeat steps an entity already reached: leave those rows untouched.
  WHERE ${FUNNEL_COLUMNS.map((c) => `f.${c} IS DISTINCT FROM least(f.${c}, EXCLUDED.${c})`).join(' OR ')}
), batch AS (
  INSERT INTO sink_batches (committed_at, records, inserted, duplicates)
  SELECT clock_timestamp(), ${records}, count(*), ${records} - count(*) FROM new_rows
)
SELECT (extract(epoch FROM received_at) * 1000)::float8 AS received_ms FROM new_rows`;
}

const WRITE_BATCH_SQL = writeBatchSql(`SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(${recordDefinition})`, 2);

/** Stores the batch; throws only when the store fails (the caller treats that as transient). */
export async function writeEvents(client: SqlClient, events: readonly EnrichedEvent[]): Promise<WriteResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0, insertedReceivedAt: [] };
  const rows = await client.query<{ received_ms: number }>(WRITE_BATCH_SQL, [rowsJson(events), LATENCY_BUCKET_BOUNDS_MS, events.length]);
  return { inserted: rows.length, duplicates: events.length - rows.length, insertedReceivedAt: rows.map((r) => Number(r.received_ms)) };
}
