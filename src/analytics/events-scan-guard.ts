/**
 * Keeps reads of raw events bounded: before a query scans `events`, the rollups (cheap) say how
 * many events the window holds, and a window holding more than the limit is refused as too long.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { QueryParameterError } from './errors.js';
import { QUERY_LIMITS } from './limits.js';
import { toNumber } from './query-result.js';
import type { TimeWindow } from './time-window.js';

const MINUTE_MS = 60_000;

/** Throws QueryParameterError (naming last or from) when the window holds more events than a raw read may scan. */
export async function assertEventsScanBounded(
  db: SqlQueryable,
  window: TimeWindow,
  eventTypes?: readonly string[],
  limit: number = QUERY_LIMITS.maxEventsScanned,
): Promise<void> {
  const fromMinute = new Date(Math.floor(window.from.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
  const rows = await db.query<{ events: unknown }>(
    `SELECT coalesce(sum(events), 0)::float8 AS events FROM metrics_minute
      WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz
        AND ($3::text[] IS NULL OR event_type = ANY($3::text[]))`,
    [fromMinute, window.to.toISOString(), eventTypes ?? null],
  );
  const events = toNumber(rows[0]?.events ?? 0);
  if (events > limit) {
    throw new QueryParameterError(
      window.lengthParam,
      `the window holds ${events.toLocaleString('en-US')} events; this query reads raw events and allows at most ${limit.toLocaleString('en-US')}: shorten the window`,
    );
  }
}
