/** Falling behind: a stage's lag growing for the whole window is reported once, with the stage; catching up is reported once. */
import { describe, expect, it } from 'vitest';
import { describeLagVerdict, LagWatch } from '../../local/twin/lag-watch.js';

const lag = (ingest: number, enrich: number, sink: number) => ({ ingest, enrich, sink });

describe('LagWatch', () => {
  it('says nothing while lag goes up and down with the batches', () => {
    const watch = new LagWatch();
    for (let s = 0; s <= 30; s++) expect(watch.add(lag(100, s % 2 === 0 ? 50 : 1500, 80), s * 1000)).toBeUndefined();
  });

  it('reports the stage whose lag grew for 10 s, once, then its catching up', () => {
    const watch = new LagWatch();
    const verdicts = [];
    for (let s = 0; s <= 15; s++) verdicts.push(watch.add(lag(10, 20, 200 + s * 400), s * 1000));
    const behind = verdicts.filter((v) => v !== undefined);
    expect(behind).toEqual([{ kind: 'behind', stage: 'sink', from: 200, to: 4200, seconds: 10 }]);
    expect(describeLagVerdict(behind[0] as NonNullable<(typeof behind)[0]>, 2000)).toMatch(
      /falling behind: the sink stage's lag grew from 200 to 4,200 records in 10 s.*--rate 1,000/,
    );
    expect(watch.add(lag(10, 20, 300), 16_000)).toEqual({ kind: 'caught-up', stage: 'sink' });
    expect(watch.add(lag(10, 20, 300), 17_000)).toBeUndefined();
  });

  it('does not call a dip inside the window growth', () => {
    const watch = new LagWatch();
    const values = [500, 900, 1300, 400, 1700, 2100, 2500, 2900, 3300, 3700, 4100];
    const verdicts = values.map((v, s) => watch.add(lag(0, 0, v), s * 1000));
    expect(verdicts.every((v) => v === undefined)).toBe(true);
  });
});
