/**
 * Answering one window from two sources: the archive for the part before a split time and the
 * store for the part after. A query that can be split runs the same plan over each part (with no
 * top-N or series limit), then merges the two answers and applies its limits to the whole, so the
 * result has the same shape and, when both sources hold the same events, the same values as one
 * read of the whole window.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { QueryContext } from './query-context.js';
import type { QueryAnswer } from './query-result.js';

/** Limit used for each part of a split read: every key, so the merge sees all of them. */
export const UNLIMITED_KEYS = 1_000_000;

export interface SplitRead {
  /** The split time, aligned to the query's step. */
  readonly at: Date;
  readonly before: (db: SqlQueryable, context: QueryContext) => Promise<QueryAnswer>;
  readonly after: (db: SqlQueryable, context: QueryContext) => Promise<QueryAnswer>;
  readonly merge: (before: QueryAnswer, after: QueryAnswer) => QueryAnswer;
}

/** What a splittable query offers. */
export interface SplittableQuery {
  /** The split time aligned to the query's step (floor). */
  alignSplit(at: Date): Date;
  /** The read split at an aligned time strictly inside the window; throws QueryParameterError when the query cannot be added up. */
  split(at: Date): SplitRead;
  /** Whether the answer needs every archived event before the window's end (first times), not only the window's. */
  readonly needsEarlierHistory: boolean;
}

/** Byte-order comparison, as PostgreSQL's COLLATE "C". */
export function compareC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function unionNotes(a: QueryAnswer, b: QueryAnswer): string[] {
  return [...new Set([...a.notes, ...b.notes])];
}
