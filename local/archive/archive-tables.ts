/**
 * The archive as the store's tables, for the named queries: DuckDB views over the enriched
 * topic's Parquet files of a range. `events` keeps one row per event id (the first archived copy:
 * the archive is at-least-once, and producers may send an event twice); the rollups are computed from it exactly as the sink keeps them
 * (src/store/event-writer.ts), so the same SQL gives the same answer over either.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ArchiveTables } from '../../src/analytics/historical-query.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { type ArchiveReader, fileListSql } from './archive-reader.js';
import { ARCHIVE_COLUMNS } from './archive-schema.js';
import { duckDbQueryable } from './duckdb-queryable.js';
import type { CorruptArchiveFileError } from './errors.js';
import { sqlLiteral } from './sql-literal.js';

/** Columns the queries read: everything but the record's bytes. */
const EVENT_COLUMNS = ARCHIVE_COLUMNS.filter((c) => !['key', 'value', 'headers', 'topic'].includes(c.name));

/**
 * One row per event id, each column from its first archived copy (by Kafka timestamp). Copies of
 * one event share its event time, so the range filter applies before grouping (and prunes row
 * groups by their statistics). A hash aggregate: cheaper than a window over the same rows.
 */
function eventsSource(files: readonly string[], range: { fromMs: number; toMs: number }): string {
  if (files.length === 0) return `SELECT ${EVENT_COLUMNS.map((c) => `NULL::${c.type} AS ${c.name}`).join(', ')} WHERE false`;
  const firstCopy = EVENT_COLUMNS.filter((c) => c.name !== 'event_id')
    .map((c) => `arg_min(${c.name}, kafka_timestamp) AS ${c.name}`)
    .join(', ');
  const bounds = [
    Number.isFinite(range.fromMs) ? `event_time >= ${sqlLiteral(new Date(range.fromMs).toISOString())}::TIMESTAMPTZ` : '',
    Number.isFinite(range.toMs) ? `event_time < ${sqlLiteral(new Date(range.toMs).toISOString())}::TIMESTAMPTZ` : '',
  ].filter((b) => b !== '');
  return `SELECT event_id, ${firstCopy} FROM read_parquet(${fileListSql(files)})
           WHERE event_id IS NOT NULL${bounds.map((b) => ` AND ${b}`).join('')}
           GROUP BY event_id`;
}

const ROLLUP_VIEWS = `
CREATE OR REPLACE TEMP VIEW metrics_minute AS
  SELECT date_trunc('minute', event_time) AS bucket, event_type, coalesce(category, '') AS category, coalesce(country, '') AS country,
         coalesce(device_class, '') AS device_class, count(*) AS events, coalesce(sum(quantity), 0) AS quantity,
         coalesce(sum(revenue_usd), 0) AS revenue_usd, count(*) FILTER (WHERE is_bot) AS bot_events
    FROM events GROUP BY 1, 2, 3, 4, 5;
CREATE OR REPLACE TEMP VIEW product_minute AS
  SELECT date_trunc('minute', event_time) AS bucket, sku, event_type, max(product_name) AS product_name, count(*) AS events,
         coalesce(sum(quantity), 0) AS quantity, coalesce(sum(revenue_usd), 0) AS revenue_usd, count(*) FILTER (WHERE is_bot) AS bot_events
    FROM events WHERE sku IS NOT NULL GROUP BY 1, 2, 3;
CREATE OR REPLACE TEMP VIEW funnel_entities AS
  SELECT entity, entity_id,
         min(event_time) FILTER (WHERE event_type = 'product_view') AS product_view_at,
         min(event_time) FILTER (WHERE event_type = 'add_to_cart') AS add_to_cart_at,
         min(event_time) FILTER (WHERE event_type = 'checkout') AS checkout_at,
         min(event_time) FILTER (WHERE event_type = 'purchase') AS purchase_at
    FROM (SELECT 'session' AS entity, session_id AS entity_id, event_type, event_time FROM events WHERE session_id IS NOT NULL
          UNION ALL
          SELECT 'user', user_id, event_type, event_time FROM events WHERE user_id IS NOT NULL)
   WHERE event_type IN ('product_view', 'add_to_cart', 'checkout', 'purchase')
   GROUP BY 1, 2;`;

function skippedNote(problem: CorruptArchiveFileError): string {
  return problem.message;
}

/** The local archive as ArchiveTables, over a reader of `.data/archive`. */
export function localArchiveTables(reader: ArchiveReader): ArchiveTables {
  return {
    async open(range) {
      const fromMs = range.allBefore ? Number.NEGATIVE_INFINITY : range.from.getTime();
      const bounds = { fromMs, toMs: range.to.getTime() };
      const set = await reader.files('enriched', bounds);
      let files = [...set.files];
      const notes = set.skipped.map(skippedNote);
      const connection: DuckDBConnection = await reader.connect();
      const build = async () => {
        await connection.run(`CREATE OR REPLACE TEMP VIEW events AS ${eventsSource(files, bounds)}`);
        await connection.run(ROLLUP_VIEWS);
      };
      await build();
      const inner = duckDbQueryable(connection);
      const db: SqlQueryable = {
        async query(text, params) {
          try {
            return await inner.query(text, params);
          } catch (error) {
            // A file whose footer reads but whose pages do not: find it by reading each whole, skip it, say so, retry.
            const damaged: CorruptArchiveFileError[] = [];
            for (const file of files) {
              const problem = await reader.scanWhole(file);
              if (problem) damaged.push(problem);
            }
            if (damaged.length === 0) throw error;
            const bad = new Set(damaged.map((d) => d.file));
            files = files.filter((f) => !bad.has(f));
            notes.push(...damaged.map(skippedNote));
            await build();
            return inner.query(text, params);
          }
        },
      };
      return {
        db,
        notes,
        async close() {
          connection.closeSync();
        },
      };
    },
  };
}
