/**
 * Local retention of raw events: the twin deletes stored events older than the retention (by
 * when they were stored) every minute and lets PostgreSQL reuse the space, so `.data` stops
 * growing on long runs. The rollups (per-minute metrics, products, freshness, funnel) are kept:
 * dashboards and named queries keep their history; only `query --sql` over `events` sees less.
 */
import type { SqlQueryable } from '../../src/store/sql-client.js';

export const RETENTION_SWEEP_MS = 60_000;

export interface RetentionSweep {
  stop(): Promise<void>;
}

/** Deletes events stored more than retentionMs ago; returns how many. */
export async function deleteExpiredEvents(store: SqlQueryable, retentionMs: number, now = Date.now()): Promise<number> {
  const rows = await store.query<{ n: number }>(
    'WITH gone AS (DELETE FROM events WHERE ingested_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
    [new Date(now - retentionMs)],
  );
  const deleted = rows[0]?.n ?? 0;
  // Plain VACUUM (no lock on writers) marks the space reusable: the files stop growing.
  if (deleted > 0) await store.query('VACUUM events');
  return deleted;
}

/** Runs deleteExpiredEvents every sweepMs until stopped; failures go to onError and the next sweep tries again. */
export function startRetentionSweep(
  store: SqlQueryable,
  retentionMs: number,
  onError: (error: unknown) => void,
  sweepMs = RETENTION_SWEEP_MS,
): RetentionSweep {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = deleteExpiredEvents(store, retentionMs).catch(onError);
  }, sweepMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
