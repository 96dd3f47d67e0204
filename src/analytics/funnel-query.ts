/**
 * funnel: how many sessions (or users) entered product_view -> add_to_cart -> checkout -> purchase
 * within a window and how far they went. An entity enters when its first product_view falls in the
 * window; it reaches a later step when the first time it did that step is at or after the first
 * time it reached the step before, and before the window ends. Reads the sink-kept funnel_entities
 * (first time of each step per entity), so the cost is O(entities entering in the window).
 */

import { FUNNEL_STEPS, type FunnelEntity, firstTimeColumn } from '../store/funnel-steps.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import { oneOf, parseParams } from './query-params.js';
import type { Cell, QueryAnswer } from './query-result.js';
import { toNumber } from './query-result.js';
import { type SplittableQuery, unionNotes } from './range-split.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

const MINUTE_MS = 60_000;

const shape = {
  ...windowParams,
  by: oneOf(['session', 'user']).optional(),
};

interface FunnelPlan {
  by: FunnelEntity;
  window: TimeWindow;
}

export const funnelQuery: NamedQuery = {
  name: 'funnel',
  description: 'sessions or users reaching product_view -> add_to_cart -> checkout -> purchase, with conversion rates',
  parameters: Object.keys(shape),
  prepare(raw, now) {
    const p = parseParams('funnel', shape, raw);
    const by = p.by ?? 'session';
    const window = resolveWindow(p, now, { alignMs: MINUTE_MS, maxMs: QUERY_LIMITS.maxEventsWindowMs });
    return {
      params: { by, ...(p.last !== undefined ? { last: formatDuration(p.last) } : {}), ...windowToParams(window) },
      run: (db) => runFunnel(db, { by, window }),
      splittable: splittableFunnel({ by, window }),
    };
  },
};

// Step k counts when steps 1..k were reached in order; each condition implies the ones before it
// hold up to the window's end, so the chain of first times is compared once per step.
const REACHED = FUNNEL_STEPS.map((_, i) => {
  if (i === 0) return 'count(*)::float8 AS s1';
  const chain = FUNNEL_STEPS.slice(0, i + 1).map(firstTimeColumn);
  const ordered = chain.slice(1).map((column, j) => `${column} >= ${chain[j]}`);
  return `(count(*) FILTER (WHERE ${[...ordered, `${chain[i]} < $3::timestamptz`].join(' AND ')}))::float8 AS s${i + 1}`;
});

const FUNNEL_SQL = `SELECT ${REACHED.join(',\n       ')}
  FROM funnel_entities
 WHERE entity = $1 AND ${firstTimeColumn(FUNNEL_STEPS[0])} >= $2::timestamptz AND ${firstTimeColumn(FUNNEL_STEPS[0])} < $3::timestamptz`;

// Entering in [$2, $4), steps reached before $3.
const FUNNEL_ENTERING_SQL = `SELECT ${REACHED.join(',\n       ')}
  FROM funnel_entities
 WHERE entity = $1 AND ${firstTimeColumn(FUNNEL_STEPS[0])} >= $2::timestamptz AND ${firstTimeColumn(FUNNEL_STEPS[0])} < $4::timestamptz`;

async function runFunnel(db: SqlQueryable, plan: FunnelPlan): Promise<QueryAnswer> {
  const [row] = await db.query<Record<string, unknown>>(FUNNEL_SQL, [
    plan.by,
    plan.window.from.toISOString(),
    plan.window.to.toISOString(),
  ]);
  return funnelAnswer(
    plan,
    FUNNEL_STEPS.map((_, i) => toNumber(row?.[`s${i + 1}`] ?? 0)),
    ['funnel_entities'],
    [],
  );
}

function funnelAnswer(plan: FunnelPlan, reached: number[], sources: string[], notes: string[]): QueryAnswer {
  const first = reached[0] ?? 0;
  const rows: Cell[][] = FUNNEL_STEPS.map((step, i) => {
    const count = reached[i] ?? 0;
    const previous = i === 0 ? null : (reached[i - 1] ?? 0);
    return [i + 1, step, count, previous === null ? null : ratio(count, previous), ratio(count, first)];
  });
  return {
    columns: [
      { name: 'step', type: 'number' },
      { name: 'event_type', type: 'text' },
      { name: plan.by === 'session' ? 'sessions' : 'users', type: 'number' },
      { name: 'conversion_from_previous', type: 'number', unit: 'ratio' },
      { name: 'conversion_from_first', type: 'number', unit: 'ratio' },
    ],
    rows,
    sources,
    notes,
  };
}

/**
 * Entities entering (first product_view) before the split are counted from the archive, the others
 * from the store; each is counted once, and its later steps come from its first times wherever
 * they fall. The archive computes first times from every archived event before the window's end.
 */
function splittableFunnel(plan: FunnelPlan): SplittableQuery {
  return {
    needsEarlierHistory: true,
    alignSplit: (at) => new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS),
    split(at) {
      const entering = (from: Date, to: Date) => (db: SqlQueryable) => runFunnelEntering(db, plan, from, to);
      return {
        at,
        before: entering(plan.window.from, at),
        after: entering(at, plan.window.to),
        merge(before, after) {
          const reached = FUNNEL_STEPS.map((_, i) => toNumber(before.rows[i]?.[2] ?? 0) + toNumber(after.rows[i]?.[2] ?? 0));
          return funnelAnswer(plan, reached, [...before.sources, ...after.sources], unionNotes(before, after));
        },
      };
    },
  };
}

/** The funnel of the entities entering in [from, to), their steps counted up to the window's end. */
async function runFunnelEntering(db: SqlQueryable, plan: FunnelPlan, from: Date, to: Date): Promise<QueryAnswer> {
  const [row] = await db.query<Record<string, unknown>>(FUNNEL_ENTERING_SQL, [
    plan.by,
    from.toISOString(),
    plan.window.to.toISOString(),
    to.toISOString(),
  ]);
  return funnelAnswer(
    plan,
    FUNNEL_STEPS.map((_, i) => toNumber(row?.[`s${i + 1}`] ?? 0)),
    ['funnel_entities'],
    [],
  );
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
