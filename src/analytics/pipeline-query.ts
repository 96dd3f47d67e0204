/**
 * pipeline: what the sink committed over a window (batches, records, events stored, duplicates
 * skipped) and how long ago it last committed, from the store; plus, when the runtime provides a
 * PipelineStatusSource, per-stage counts, DLQ counts by reason and lag per stage.
 * Rows are (scope, name, metric, value) so a table and a dashboard read them alike.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import type { PipelineStatus } from './pipeline-status.js';
import type { QueryContext } from './query-context.js';
import { parseParams } from './query-params.js';
import type { Cell, QueryAnswer } from './query-result.js';
import { toNumber } from './query-result.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const shape = { ...windowParams };

/** What the answer says when no status source is wired in (as on AWS). */
export const NO_STATUS_SOURCE_NOTE =
  'per-stage counts, DLQ reasons and lag are not available here: this runtime has no pipeline status source (on AWS, see the CloudWatch dashboard)';

export const pipelineQuery: NamedQuery = {
  name: 'pipeline',
  description:
    'sink batches, events stored, duplicates skipped and last commit; per-stage counts, DLQ reasons and lag where the runtime reports them',
  parameters: Object.keys(shape),
  prepare(raw, now) {
    const p = parseParams('pipeline', shape, raw);
    const window = resolveWindow(p, now, { alignMs: 1, maxMs: QUERY_LIMITS.maxWindowMs });
    return {
      params: { ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}), ...windowToParams(window) },
      run: (db, context) => runPipeline(db, window, context),
    };
  },
};

async function runPipeline(db: SqlQueryable, window: TimeWindow, context: QueryContext): Promise<QueryAnswer> {
  const [statusOutcome, storeRows] = await Promise.all([readStatus(context), readStore(db, window, context.now)]);
  const rows: Cell[][] = [...storeRows];
  const notes: string[] = [];
  if (statusOutcome.kind === 'absent') notes.push(NO_STATUS_SOURCE_NOTE);
  else if (statusOutcome.kind === 'failed') notes.push(`the pipeline status source failed: ${statusOutcome.message}`);
  else rows.push(...statusRows(statusOutcome.status, context.now));
  return {
    columns: [
      { name: 'scope', type: 'text' },
      { name: 'name', type: 'text' },
      { name: 'metric', type: 'text' },
      { name: 'value', type: 'number' },
    ],
    rows,
    sources: statusOutcome.kind === 'ok' ? ['sink_batches', 'pipeline status'] : ['sink_batches'],
    notes,
  };
}

async function readStore(db: SqlQueryable, window: TimeWindow, now: Date): Promise<Cell[][]> {
  // One round trip; the last commit is over all time (the index on committed_at makes it one lookup).
  const [totals] = await db.query<Record<'batches' | 'records' | 'inserted' | 'duplicates' | 'last', unknown>>(
    `SELECT count(*)::float8 AS batches, coalesce(sum(records), 0)::float8 AS records,
            coalesce(sum(inserted), 0)::float8 AS inserted, coalesce(sum(duplicates), 0)::float8 AS duplicates,
            (SELECT date_part('epoch', max(committed_at)) FROM sink_batches) AS last
       FROM sink_batches WHERE committed_at >= $1::timestamptz AND committed_at < $2::timestamptz`,
    [window.from.toISOString(), window.to.toISOString()],
  );
  const lastCommitMs = totals?.last === null || totals?.last === undefined ? null : toNumber(totals.last) * 1000;
  return [
    ['store', 'sink', 'batches', toNumber(totals?.batches ?? 0)],
    ['store', 'sink', 'records', toNumber(totals?.records ?? 0)],
    ['store', 'sink', 'events_stored', toNumber(totals?.inserted ?? 0)],
    ['store', 'sink', 'duplicates_skipped', toNumber(totals?.duplicates ?? 0)],
    ['store', 'sink', 'seconds_since_last_commit', lastCommitMs === null ? null : secondsBetween(lastCommitMs, now.getTime())],
  ];
}

type StatusOutcome = { kind: 'absent' } | { kind: 'failed'; message: string } | { kind: 'ok'; status: PipelineStatus };

async function readStatus(context: QueryContext): Promise<StatusOutcome> {
  if (!context.status) return { kind: 'absent' };
  try {
    return { kind: 'ok', status: await context.status.readPipelineStatus() };
  } catch (error) {
    // The store part still answers; the failure is reported in the result, not hidden.
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

function statusRows(status: PipelineStatus, now: Date): Cell[][] {
  const rows: Cell[][] = [['status', 'counters', 'seconds_counted', secondsBetween(status.since.getTime(), now.getTime())]];
  for (const stage of status.stages) {
    rows.push(
      ['stage', stage.stage, 'records_in', stage.recordsIn],
      ['stage', stage.stage, 'records_out', stage.recordsOut],
      ['stage', stage.stage, 'records_to_dlq', stage.recordsToDlq],
      ['stage', stage.stage, 'failed_invocations', stage.failedInvocations],
      ['stage', stage.stage, 'lag', stage.lag],
    );
  }
  for (const [reason, count] of Object.entries(status.dlqByReason).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    rows.push(['dlq', reason, 'records', count]);
  }
  return rows;
}

function secondsBetween(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 100) / 10;
}
