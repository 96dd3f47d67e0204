import { describe, expect, it } from 'vitest';
import { backlogSlope, judgeWindow } from '../../../bench/harness/load-probe.js';

describe('backlogSlope', () => {
  it('is the least-squares growth per second', () => {
    const samples = [0, 500, 1000, 1500, 2000].map((t, i) => ({ t, backlog: 100 + i * 50 }));
    expect(backlogSlope(samples)).toBeCloseTo(100, 6);
  });

  it('sees through noise around a flat backlog', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({ t: i * 500, backlog: 1000 + (i % 2 === 0 ? 300 : -300) }));
    expect(Math.abs(backlogSlope(samples))).toBeLessThan(70);
  });

  it('is 0 with fewer than two samples or no time between them', () => {
    expect(backlogSlope([])).toBe(0);
    expect(backlogSlope([{ t: 0, backlog: 5 }])).toBe(0);
    expect(
      backlogSlope([
        { t: 10, backlog: 5 },
        { t: 10, backlog: 9 },
      ]),
    ).toBe(0);
  });
});

describe('judgeWindow', () => {
  it('holds when the rate was acknowledged and the backlog did not grow', () => {
    expect(judgeWindow({ rate: 1000, achievedRate: 990, slope: 10, capExceeded: false })).toEqual({ held: true, reason: 'held' });
  });

  it('fails on a growing backlog, a short-changed producer, or the cap', () => {
    expect(judgeWindow({ rate: 1000, achievedRate: 1000, slope: 50, capExceeded: false }).reason).toBe('backlog grew 50/s');
    expect(judgeWindow({ rate: 1000, achievedRate: 900, slope: 0, capExceeded: false }).reason).toBe('only 900/s acknowledged');
    expect(judgeWindow({ rate: 1000, achievedRate: 1000, slope: 0, capExceeded: true }).held).toBe(false);
  });

  it('takes its tolerances from the settings', () => {
    expect(judgeWindow({ rate: 1000, achievedRate: 1000, slope: 50, capExceeded: false }, { maxSlopeShare: 0.1 }).held).toBe(true);
    expect(judgeWindow({ rate: 1000, achievedRate: 900, slope: 0, capExceeded: false }, { minAchievedShare: 0.8 }).held).toBe(true);
  });
});
