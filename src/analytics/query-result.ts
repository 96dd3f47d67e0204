/**
 * The answer of a named query: a table (columns + rows) that a terminal printer shows as is and a
 * chart reads column by column. Times are ISO 8601 strings, numbers are JS numbers.
 */
import type { NormalisedParams } from './query-params.js';

export type Cell = string | number | null;

export type ColumnType = 'time' | 'text' | 'number';

export interface QueryColumn {
  name: string;
  type: ColumnType;
  /** Unit of a number column, e.g. ms, USD, ratio. */
  unit?: string;
}

export interface QueryResult {
  name: string;
  /** The parameters as applied: defaults filled in, the window as the exact from/to read. */
  params: NormalisedParams;
  /** The time the answer was computed for (the end of relative windows). */
  asOf: string;
  columns: QueryColumn[];
  rows: Cell[][];
  /** Tables read, e.g. metrics_minute or events: says whether rollups answered. */
  sources: string[];
  /** Things the reader should know: truncated series, parts unavailable. */
  notes: string[];
}

/** The part of a result a query computes; the registry adds name, params and asOf. */
export type QueryAnswer = Pick<QueryResult, 'columns' | 'rows' | 'sources' | 'notes'>;

/** A numeric cell from a driver value: float8 arrives as number; anything else is converted. */
export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`expected a number from the store, got ${String(value)}`);
  return n;
}

/** ISO time of epoch seconds as returned by date_part('epoch', ...). */
export function isoFromEpochSeconds(seconds: unknown): string {
  return new Date(Math.round(toNumber(seconds) * 1000)).toISOString();
}
