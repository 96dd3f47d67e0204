/** The freshness histogram: the bucket bounds the sink files latencies under, and percentiles read back. */
import { describe, expect, it } from 'vitest';
import { histogramPercentile } from '../../src/analytics/histogram-percentile.js';
import {
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_OVERFLOW_LE_MS,
  latencyBucketLowerBound,
  latencyBucketUpperBound,
} from '../../src/store/freshness-buckets.js';

describe('latency buckets', () => {
  it('are strictly increasing integers that fit the le_ms integer column', () => {
    LATENCY_BUCKET_BOUNDS_MS.forEach((b, i) => {
      expect(Number.isInteger(b)).toBe(true);
      if (i > 0) expect(b).toBeGreaterThan(LATENCY_BUCKET_BOUNDS_MS[i - 1] as number);
    });
    expect(LATENCY_OVERFLOW_LE_MS).toBe(2 ** 31 - 1);
  });

  it('file a latency under the smallest bound at or above it', () => {
    expect(latencyBucketUpperBound(0)).toBe(5);
    expect(latencyBucketUpperBound(5)).toBe(5);
    expect(latencyBucketUpperBound(5.01)).toBe(10);
    expect(latencyBucketUpperBound(100)).toBe(100);
    expect(latencyBucketUpperBound(100.4)).toBe(150);
    expect(latencyBucketUpperBound(999)).toBe(1_000);
    expect(latencyBucketUpperBound(3_600_000)).toBe(3_600_000);
    expect(latencyBucketUpperBound(3_600_001)).toBe(LATENCY_OVERFLOW_LE_MS);
  });

  it('count negative latency (clocks apart) in the first bucket and refuse NaN', () => {
    expect(latencyBucketUpperBound(-250)).toBe(5);
    expect(() => latencyBucketUpperBound(Number.NaN)).toThrow(RangeError);
  });

  it('give each bucket the previous bound as its lower bound', () => {
    expect(latencyBucketLowerBound(5)).toBe(0);
    expect(latencyBucketLowerBound(150)).toBe(100);
    expect(latencyBucketLowerBound(LATENCY_OVERFLOW_LE_MS)).toBe(3_600_000);
  });
});

describe('histogramPercentile', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    // 10 events in (100, 150], 10 in (150, 200].
    const h = [
      { leMs: 150, count: 10 },
      { leMs: 200, count: 10 },
    ];
    expect(histogramPercentile(h, 0.5)).toBe(150);
    expect(histogramPercentile(h, 0.25)).toBe(125);
    expect(histogramPercentile(h, 0.95)).toBe(195); // rank 19: 9 of 10 into (150, 200]
    expect(histogramPercentile(h, 1)).toBe(200);
  });

  it('merges repeated bounds and ignores order and empty buckets', () => {
    const h = [
      { leMs: 200, count: 4 },
      { leMs: 5, count: 0 },
      { leMs: 150, count: 6 },
      { leMs: 200, count: 6 },
    ];
    // 16 events; rank 8 is the 2nd of the 10 in (150, 200].
    expect(histogramPercentile(h, 0.5)).toBe(160);
  });

  it('reads a rank in the overflow bucket as the last finite bound', () => {
    expect(
      histogramPercentile(
        [
          { leMs: 500, count: 98 },
          { leMs: LATENCY_OVERFLOW_LE_MS, count: 2 },
        ],
        0.99,
      ),
    ).toBe(3_600_000);
  });

  it('is null for no events and refuses quantiles outside (0, 1]', () => {
    expect(histogramPercentile([], 0.5)).toBeNull();
    expect(histogramPercentile([{ leMs: 5, count: 0 }], 0.99)).toBeNull();
    expect(() => histogramPercentile([], 0)).toThrow(RangeError);
    expect(() => histogramPercentile([], 1.5)).toThrow(RangeError);
  });
});
