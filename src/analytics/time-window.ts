/**
 * The time window of a query, from `last` (a duration ending at `to` or now) or `from`/`to`
 * (ISO 8601), widened to whole steps so bucketed reads cover whole buckets: `from` rounds down
 * and `to` rounds up, so the step in progress is included.
 */
import { formatDuration } from './duration.js';
import { QueryParameterError } from './errors.js';
import { QUERY_LIMITS } from './limits.js';
import { duration, instant } from './query-params.js';

/** The parameter shape every windowed query takes. */
export const windowParams = {
  last: duration().optional(),
  from: instant().optional(),
  to: instant().optional(),
};

export interface WindowInput {
  last?: number | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface TimeWindow {
  from: Date;
  to: Date;
  /** The parameter that set the window's length, to name when the window is too long. */
  lengthParam: 'last' | 'from';
}

export interface WindowRules {
  /** Step the window is widened to, in ms. */
  alignMs: number;
  /** Longest window allowed, in ms. */
  maxMs: number;
  /** Length when neither last nor from is given. */
  defaultMs?: number;
}

/** Resolves and checks the window against now; throws QueryParameterError naming the parameter at fault. */
export function resolveWindow(input: WindowInput, now: Date, rules: WindowRules): TimeWindow {
  if (input.last !== undefined && input.from !== undefined) {
    throw new QueryParameterError('from', 'give either last or from (with an optional to), not both');
  }
  const lengthParam = input.from !== undefined ? 'from' : 'last';
  const toMs = (input.to ?? now).getTime();
  const fromMs = input.from?.getTime() ?? toMs - (input.last ?? rules.defaultMs ?? QUERY_LIMITS.defaultWindowMs);
  if (toMs <= fromMs) throw new QueryParameterError('to', `must be after from (${new Date(fromMs).toISOString()})`);
  // The limit applies to the window asked for; widening to whole steps may add up to two steps.
  if (toMs - fromMs > rules.maxMs) {
    throw new QueryParameterError(
      lengthParam,
      `the window is ${formatDuration(toMs - fromMs)}; this query allows at most ${formatDuration(rules.maxMs)}`,
    );
  }
  const alignedFrom = Math.floor(fromMs / rules.alignMs) * rules.alignMs;
  const alignedTo = Math.ceil(toMs / rules.alignMs) * rules.alignMs;
  return { from: new Date(alignedFrom), to: new Date(alignedTo), lengthParam };
}

/** The window as echoed in a result's params. */
export function windowToParams(window: TimeWindow): { from: string; to: string } {
  return { from: window.from.toISOString(), to: window.to.toISOString() };
}

/**
 * SQL for the start (epoch seconds, float8) of the bucket holding a timestamptz column, buckets of
 * `secondsParam` seconds aligned to the epoch. date_part is float8; extract() is numeric since
 * PostgreSQL 14 and several times slower over a million rows.
 */
export function bucketStartSql(column: string, secondsParam: string): string {
  return `floor(date_part('epoch', ${column}) / ${secondsParam}::float8) * ${secondsParam}::float8`;
}
