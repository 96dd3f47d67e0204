/** Percentiles read from a latency histogram, interpolating linearly inside the bucket that holds the rank. */
import { LATENCY_OVERFLOW_LE_MS, latencyBucketLowerBound } from '../store/freshness-buckets.js';

export interface HistogramBucket {
  /** Upper bound of the bucket, as in freshness_minute.le_ms. */
  leMs: number;
  count: number;
}

/**
 * The q-quantile (0 < q <= 1) in milliseconds, or null for an empty histogram. A rank in the
 * overflow bucket reads as the last finite bound: the answer is then "at least this".
 */
export function histogramPercentile(buckets: readonly HistogramBucket[], q: number): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const merged = new Map<number, number>();
  for (const b of buckets) if (b.count > 0) merged.set(b.leMs, (merged.get(b.leMs) ?? 0) + b.count);
  const sorted = [...merged].map(([leMs, count]) => ({ leMs, count })).sort((a, b) => a.leMs - b.leMs);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (const bucket of sorted) {
    if (below + bucket.count >= rank) {
      const lower = latencyBucketLowerBound(bucket.leMs);
      if (bucket.leMs >= LATENCY_OVERFLOW_LE_MS) return lower;
      return lower + ((bucket.leMs - lower) * (rank - below)) / bucket.count;
    }
    below += bucket.count;
  }
  // Unreachable: the last bucket always satisfies the rank; kept for the type checker.
  return sorted[sorted.length - 1]?.leMs ?? null;
}
