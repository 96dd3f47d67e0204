/** The registry of named queries: validate parameters, run the bounded read, wrap the answer. */
import type { SqlQueryable } from '../store/sql-client.js';
import { UnknownQueryError } from './errors.js';
import { freshnessQuery } from './freshness-query.js';
import { funnelQuery } from './funnel-query.js';
import type { NamedQuery, PreparedQuery } from './named-query.js';
import { ordersQuery } from './orders-query.js';
import { pipelineQuery } from './pipeline-query.js';
import type { PipelineStatusSource } from './pipeline-status.js';
import type { RawParams } from './query-params.js';
import type { QueryResult } from './query-result.js';
import { reconciliationQuery } from './reconciliation-query.js';
import { timeseriesQuery } from './timeseries-query.js';
import { topQuery } from './top-query.js';

const QUERIES = {
  timeseries: timeseriesQuery,
  top: topQuery,
  funnel: funnelQuery,
  freshness: freshnessQuery,
  pipeline: pipelineQuery,
  orders: ordersQuery,
  reconciliation: reconciliationQuery,
} as const satisfies Record<string, NamedQuery>;

export type QueryName = keyof typeof QUERIES;
export const QUERY_NAMES = Object.keys(QUERIES) as QueryName[];

export interface RunNamedQueryOptions {
  /** The time relative windows end at; defaults to the clock. */
  now?: Date;
  /** Per-stage counts, DLQ reasons and lag, where the runtime has them (the local twin). */
  status?: PipelineStatusSource;
}

export function isQueryName(name: string): name is QueryName {
  return Object.hasOwn(QUERIES, name);
}

/** The named query's definition (description, parameter names); throws UnknownQueryError. */
export function namedQuery(name: string): NamedQuery {
  if (!isQueryName(name)) throw new UnknownQueryError(name, QUERY_NAMES);
  return QUERIES[name];
}

/** Validates parameters without touching the store; throws UnknownQueryError or QueryParameterError. */
export function prepareNamedQuery(name: string, params: RawParams, now: Date = new Date()): PreparedQuery {
  return namedQuery(name).prepare(params, now);
}

/** Runs a named query: validated parameters, bounded read, numbers as numbers. */
export async function runNamedQuery(
  db: SqlQueryable,
  name: string,
  params: RawParams,
  options: RunNamedQueryOptions = {},
): Promise<QueryResult> {
  const now = options.now ?? new Date();
  const prepared = prepareNamedQuery(name, params, now);
  const answer = await prepared.run(db, { now, status: options.status });
  return { name, params: prepared.params, asOf: now.toISOString(), ...answer };
}
