/**
 * THE latency buckets of the freshness histogram (freshness_minute.le_ms). The sink files each
 * event it commits under latencyBucketUpperBound(ingested_at - received_at); the freshness query
 * reads percentiles back from the same bounds. Change them only with a migration that empties
 * freshness_minute: rows written under other bounds would be misread.
 *
 * Bucket i holds latencies in (LATENCY_BUCKET_BOUNDS_MS[i-1], LATENCY_BUCKET_BOUNDS_MS[i]] ms
 * (the first from 0). Steps are finest between 50 ms and 2.5 s, where a healthy pipeline answers,
 * so p50/p99 there are read to within 25-500 ms; beyond an hour everything falls in the overflow
 * bucket.
 */

export const LATENCY_BUCKET_BOUNDS_MS = [
  5, 10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 600, 750, 1_000, 1_250, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 7_500, 10_000,
  15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
] as const;

/** le_ms of the overflow bucket (latency above the last bound): the largest PostgreSQL integer. */
export const LATENCY_OVERFLOW_LE_MS = 2_147_483_647;

/** Upper bound (le_ms) of the bucket a latency falls in. Negative latency (clock skew) counts as 0. */
export function latencyBucketUpperBound(ms: number): number {
  if (Number.isNaN(ms)) throw new RangeError('latency is NaN');
  for (const bound of LATENCY_BUCKET_BOUNDS_MS) {
    if (ms <= bound) return bound;
  }
  return LATENCY_OVERFLOW_LE_MS;
}

/** Lower bound of the bucket whose upper bound is leMs (0 for the first bucket). */
export function latencyBucketLowerBound(leMs: number): number {
  let lower = 0;
  for (const bound of LATENCY_BUCKET_BOUNDS_MS) {
    if (bound >= leMs) return lower;
    lower = bound;
  }
  return lower;
}
