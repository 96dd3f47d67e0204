import { describe, expect, it } from 'vitest';
import { fitLine } from '../../../bench/measure/handler-isolation.js';
import { fitDuration, InvocationLog, summariseInvocations } from '../../../bench/measure/handler-timing.js';

describe('summariseInvocations', () => {
  it('gives time per record and the fixed and marginal parts of an invocation', () => {
    // 2 ms per invocation plus 30 µs per record.
    const samples = [10, 50, 100, 200, 400, 500].map((records) => ({ records, durationMs: 2 + records * 0.03 }));
    const timing = summariseInvocations(samples);
    expect(timing.invocations).toBe(6);
    expect(timing.records).toBe(1260);
    expect(timing.meanRecordsPerInvocation).toBe(210);
    expect(timing.microsPerRecord).toBeCloseTo(((12 + 1260 * 0.03) * 1000) / 1260, 0);
    expect(timing.fit?.fixedMs).toBeCloseTo(2, 5);
    expect(timing.fit?.marginalMicrosPerRecord).toBeCloseTo(30, 5);
  });

  it('leaves the fit out when the batches were all about the same size', () => {
    expect(fitDuration([500, 500, 499, 500, 498].map((records) => ({ records, durationMs: records * 0.02 })))).toBeUndefined();
    expect(summariseInvocations([]).microsPerRecord).toBe(0);
  });
});

describe('InvocationLog', () => {
  it('summarises per stage and starts over after take()', () => {
    const log = new InvocationLog();
    log.add('ingest', { records: 100, durationMs: 5 });
    log.add('sink', { records: 50, durationMs: 10 });
    const first = log.take();
    expect(first.ingest.records).toBe(100);
    expect(first.sink.microsPerRecord).toBe(200);
    expect(first.enrich.invocations).toBe(0);
    expect(log.take().ingest.invocations).toBe(0);
  });
});

describe('fitLine', () => {
  it('fits a line, or one through the origin from a single point', () => {
    expect(
      fitLine([
        { x: 100, y: 7 },
        { x: 500, y: 19 },
        { x: 1000, y: 34 },
      ]).slope,
    ).toBeCloseTo(0.03, 3);
    expect(fitLine([{ x: 500, y: 10 }])).toEqual({ intercept: 0, slope: 0.02 });
    expect(fitLine([])).toEqual({ intercept: 0, slope: 0 });
  });
});
