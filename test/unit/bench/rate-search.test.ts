import { describe, expect, it } from 'vitest';
import { RateSearchError, searchSustainedRate } from '../../../bench/harness/rate-search.js';
import type { ProbeResult } from '../../../bench/model/bench-results.js';

/** A system that holds every rate up to `capacity`. */
function system(capacity: number) {
  const offered: number[] = [];
  const probe = async (rate: number): Promise<ProbeResult> => {
    offered.push(rate);
    const held = rate <= capacity;
    return {
      rate,
      held,
      reason: held ? 'held' : 'backlog grew',
      achievedRate: rate,
      deliveredRate: Math.min(rate, capacity),
      backlogSlope: Math.max(0, rate - capacity),
      backlogEnd: 0,
      rssMaxMb: 100,
      cpuCores: 1,
      eventsPerCpuSecond: Math.min(rate, capacity),
      loadAverage: 1,
    };
  };
  return { probe, offered };
}

const settings = { startRate: 1000, growth: 2, refinements: 3, minRate: 100, maxRate: 100_000 };

describe('searchSustainedRate', () => {
  it('grows until a rate fails, then bisects between the highest held and the lowest failed rate', async () => {
    const { probe, offered } = system(5000);
    const result = await searchSustainedRate(probe, settings);
    expect(offered.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(offered).toHaveLength(4 + 3);
    expect(result.sustainedRate).toBeGreaterThanOrEqual(4000);
    expect(result.sustainedRate).toBeLessThanOrEqual(5000);
    expect(result.lowestFailedRate).toBeGreaterThan(5000);
    expect(result.lowestFailedRate).toBeLessThanOrEqual(8000);
    expect(result.probes.map((p) => p.rate)).toEqual(offered);
  });

  it('shrinks until a rate holds when the first one fails', async () => {
    const { probe, offered } = system(300);
    const result = await searchSustainedRate(probe, { ...settings, refinements: 0 });
    expect(offered).toEqual([1000, 500, 250]);
    expect(result.sustainedRate).toBe(250);
    expect(result.lowestFailedRate).toBe(500);
  });

  it('reports nothing held when even the minimum rate fails', async () => {
    const { probe } = system(10);
    const result = await searchSustainedRate(probe, settings);
    expect(result.sustainedRate).toBe(0);
    expect(result.note).toMatch(/nothing held/);
  });

  it('stops at the upper limit when everything holds', async () => {
    const { probe, offered } = system(Number.POSITIVE_INFINITY);
    const result = await searchSustainedRate(probe, { ...settings, maxRate: 5000 });
    expect(offered).toEqual([1000, 2000, 4000, 5000]);
    expect(result.sustainedRate).toBe(5000);
    expect(result.note).toMatch(/upper limit/);
  });

  it('probes a failed rate once more when asked, and believes the second window', async () => {
    const { probe } = system(5000);
    let calls = 0;
    // The first window at 4000 is sunk by other work; the retry holds.
    const flaky = async (rate: number) => {
      calls++;
      const result = await probe(rate);
      return rate === 4000 && calls === 3 ? { ...result, held: false, reason: 'backlog grew' } : result;
    };
    const result = await searchSustainedRate(flaky, { ...settings, refinements: 0, confirmFailures: true });
    expect(result.probes.map((p) => [p.rate, p.held])).toEqual([
      [1000, true],
      [2000, true],
      [4000, false],
      [4000, true],
      [8000, false],
      [8000, false],
    ]);
    expect(result.sustainedRate).toBe(4000);
  });

  it('rejects settings that cannot describe a search', async () => {
    const { probe } = system(1000);
    await expect(searchSustainedRate(probe, { ...settings, growth: 1 })).rejects.toThrow(RateSearchError);
    await expect(searchSustainedRate(probe, { ...settings, minRate: 2000 })).rejects.toThrow(/minRate <= startRate/);
  });
});
