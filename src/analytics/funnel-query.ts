/**
 * funnel: how many sessions (or users) went product_view -> add_to_cart -> checkout -> purchase
 * within a window, in that order: a step counts when it happens at or after the earliest time the
 * previous step was reached. Reads raw events within a bounded window.
 */

import type { EventType } from '../events/event-schemas.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { formatDuration } from './duration.js';
import { assertEventsScanBounded } from './events-scan-guard.js';
import { QUERY_LIMITS } from './limits.js';
import type { NamedQuery } from './named-query.js';
import { oneOf, parseParams } from './query-params.js';
import type { Cell, QueryAnswer } from './query-result.js';
import { toNumber } from './query-result.js';
import { resolveWindow, type TimeWindow, windowParams, windowToParams } from './time-window.js';

/** The steps, in order. */
export const FUNNEL_STEPS = ['product_view', 'add_to_cart', 'checkout', 'purchase'] as const satisfies readonly EventType[];

const FUNNEL_ENTITIES = { session: 'session_id', user: 'user_id' } as const;
type FunnelEntity = keyof typeof FUNNEL_ENTITIES;

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
    };
  },
};

async function runFunnel(db: SqlQueryable, plan: FunnelPlan): Promise<QueryAnswer> {
  await assertEventsScanBounded(db, plan.window, FUNNEL_STEPS);
  const entity = FUNNEL_ENTITIES[plan.by];
  const [row] = await db.query<{ s1: unknown; s2: unknown; s3: unknown; s4: unknown }>(
    `WITH e AS MATERIALIZED (
       SELECT ${entity} AS k, event_type AS s, event_time AS t FROM events
        WHERE event_time >= $1::timestamptz AND event_time < $2::timestamptz
          AND event_type = ANY($3::text[]) AND ${entity} IS NOT NULL),
     -- Window functions, one pass per step: the first time each entity reached a step at or after
     -- the step before. (Joins per step made the planner choose nested loops: quadratic.)
     w1 AS (SELECT k, s, t, min(t) FILTER (WHERE s = $4::text) OVER (PARTITION BY k) AS t1 FROM e),
     w2 AS (SELECT k, s, t, t1, min(t) FILTER (WHERE s = $5::text AND t >= t1) OVER (PARTITION BY k) AS t2 FROM w1),
     w3 AS (SELECT k, s, t, t1, t2, min(t) FILTER (WHERE s = $6::text AND t >= t2) OVER (PARTITION BY k) AS t3 FROM w2),
     per AS (SELECT max(t1) AS t1, max(t2) AS t2, max(t3) AS t3, bool_or(s = $7::text AND t >= t3) AS t4 FROM w3 GROUP BY k)
     SELECT count(t1)::float8 AS s1, count(t2)::float8 AS s2, count(t3)::float8 AS s3,
            (count(*) FILTER (WHERE t4))::float8 AS s4 FROM per`,
    [plan.window.from.toISOString(), plan.window.to.toISOString(), FUNNEL_STEPS, ...FUNNEL_STEPS],
  );
  const reached = [row?.s1, row?.s2, row?.s3, row?.s4].map((v) => toNumber(v ?? 0));
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
    sources: ['events'],
    notes: [],
  };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
