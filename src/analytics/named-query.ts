/** What a named query is: validation of its parameters (no I/O), then a bounded read of the store. */

import type { SqlQueryable } from '../store/sql-client.js';
import type { QueryContext } from './query-context.js';
import type { NormalisedParams, RawParams } from './query-params.js';
import type { QueryAnswer } from './query-result.js';
import type { SplittableQuery } from './range-split.js';

/** A query whose parameters passed validation, ready to run. */
export interface PreparedQuery {
  params: NormalisedParams;
  run(db: SqlQueryable, context: QueryContext): Promise<QueryAnswer>;
  /** Present when the window can be answered in two parts (archive before, store after) and merged. */
  splittable?: SplittableQuery;
}

export interface NamedQuery {
  readonly name: string;
  /** One line for listings and help. */
  readonly description: string;
  /** Parameter names, for listings and help. */
  readonly parameters: readonly string[];
  /** Validates the parameters; throws QueryParameterError. */
  prepare(params: RawParams, now: Date): PreparedQuery;
}
