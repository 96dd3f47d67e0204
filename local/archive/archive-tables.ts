/**
 * The archive as the store's tables, for the named queries: DuckDB views over the enriched
 * topic's Parquet files of a range. `events` keeps one row per event id (the first archived copy:
 * the archive is at-least-once, and producers may send an event twice); the rollups are computed
 * from the same deduplicated events exactly as the sink keeps them, so the same SQL gives the same
 * answer over either.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ArchiveTables } from '../../src/analytics/historical-query.js';
import { FUNNEL_STEPS, firstTimeColumn } from '../../src/store/funnel-steps.js';
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
 * one event share its event time, type and product, so filters on those apply before grouping:
 * the range (which also prunes row groups by their statistics) and a view's own condition (the
 * product rollup reads only events with a sku). A hash aggregate: cheaper than a window.
 */
function dedupedEvents(files: readonly string[], range: { fromMs: number; toMs: number }, where = ''): string {
  if (files.length === 0) return `SELECT ${EVENT_COLUMNS.map((c) => `NULL::${c.type} AS ${c.name}`).join(', ')} WHERE false`;
  const firstCopy = EVENT_COLUMNS.filter((c) => c.name !== 'event_id')
    .map((c) => `arg_min(${c.name}, kafka_timestamp) AS ${c.name}`)
    .join(', ');
  const conditions = [
    'event_id IS NOT NULL',
    Number.isFinite(range.fromMs) ? `event_time >= ${sqlLiteral(new Date(range.fromMs).toISOString())}::TIMESTAMPTZ` : '',
    Number.isFinite(range.toMs) ? `event_time < ${sqlLiteral(new Date(range.toMs).toISOString())}::TIMESTAMPTZ` : '',
    where,
  ].filter((c) => c !== '');
  return `SELECT event_id, ${firstCopy} FROM read_parquet(${fileListSql(files)}) WHERE ${conditions.join(' AND ')} GROUP BY event_id`;
}

/** The minute of event_time, by arithmetic on the epoch: date_trunc on a TIMESTAMPTZ goes through ICU time zones, several times slower. */
const MINUTE = 'to_timestamp(floor(epoch(event_time) / 60) * 60)';

const FUNNEL_TYPES = FUNNEL_STEPS.map((step) => `'${step}'`).join(', ');

/**
 * The store's tables over the files. The rollups are one row per event (events = 1, ...) rather
 * than per minute: every query over them adds their counts and sums (and takes max(product_name)),
 * so the answers equal those over the sink's per-minute rows (src/store/event-writer.ts) without
 * first grouping a month of events by minute.
 */
function viewsSql(files: readonly string[], range: { fromMs: number; toMs: number }): string {
  const funnelEvents = dedupedEvents(files, range, `event_type IN (${FUNNEL_TYPES})`);
  return `
CREATE OR REPLACE TEMP VIEW events AS ${dedupedEvents(files, range)};
CREATE OR REPLACE TEMP VIEW metrics_minute AS
  SELECT ${MINUTE} AS bucket, event_type, coalesce(category, '') AS category, coalesce(country, '') AS country,
         coalesce(device_class, '') AS device_class, 1 AS events, coalesce(quantity, 0) AS quantity,
         coalesce(revenue_usd, 0) AS revenue_usd, CASE WHEN is_bot THEN 1 ELSE 0 END AS bot_events
    FROM events;
CREATE OR REPLACE TEMP VIEW product_minute AS
  SELECT ${MINUTE} AS bucket, sku, event_type, product_name, 1 AS events,
         coalesce(quantity, 0) AS quantity, coalesce(revenue_usd, 0) AS revenue_usd, CASE WHEN is_bot THEN 1 ELSE 0 END AS bot_events
    FROM (${dedupedEvents(files, range, 'sku IS NOT NULL')});
CREATE OR REPLACE TEMP VIEW funnel_entities AS
  SELECT entity, entity_id,
         ${FUNNEL_STEPS.map((step) => `min(event_time) FILTER (WHERE event_type = '${step}') AS ${firstTimeColumn(step)}`).join(',\n         ')}
    FROM (SELECT 'session' AS entity, session_id AS entity_id, event_type, event_time FROM (${funnelEvents}) WHERE session_id IS NOT NULL
          UNION ALL
          SELECT 'user', user_id, event_type, event_time FROM (${funnelEvents}) WHERE user_id IS NOT NULL)
   GROUP BY 1, 2;`;
}

function skippedNote(problem: CorruptArchiveFileError): string {
  return problem.message;
}

/** The local archive as ArchiveTables, over a reader of `.data/archive`. */
export function localArchiveTables(reader: ArchiveReader): ArchiveTables {
  return {
    async holdsEventsBefore(at) {
      const [first] = reader.partitions('enriched');
      return first !== undefined && Date.parse(`${first.date}T${first.hour}:00:00Z`) < at.getTime();
    },
    async open(range) {
      const fromMs = range.allBefore ? Number.NEGATIVE_INFINITY : range.from.getTime();
      const bounds = { fromMs, toMs: range.to.getTime() };
      const set = await reader.files('enriched', bounds);
      let files = [...set.files];
      const notes = set.skipped.map(skippedNote);
      const connection: DuckDBConnection = await reader.connect();
      const build = async () => {
        await connection.run(viewsSql(files, bounds));
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
