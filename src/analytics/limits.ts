/**
 * Bounds on what one named query may read and return. Rollup reads cost O(buckets); reads of raw
 * events cost O(events in the window), so those are also held to a number of events, checked
 * against the rollups before the read.
 */
export const QUERY_LIMITS = {
  /** Points in one series (a day of minutes). */
  maxBuckets: 1_440,
  /** Series in a split time series. */
  maxSeries: 20,
  defaultSeries: 10,
  /** Rows of a top-N answer. */
  maxTopN: 100,
  defaultTopN: 10,
  /** Longest window of a query that reads rollups or batches. */
  maxWindowMs: 31 * 86_400_000,
  /** Longest window of a query that reads raw events, or a row per session (the funnel). */
  maxEventsWindowMs: 86_400_000,
  /** Most events a query that reads raw events may scan, counted from the rollups first. */
  maxEventsScanned: 1_000_000,
  /** Window when neither `last` nor `from` is given. */
  defaultWindowMs: 15 * 60_000,
} as const;
