/**
 * Finds the highest offered rate a system holds: grows the rate geometrically until a probe fails
 * (or shrinks it until one holds), then bisects (geometric mean) between the highest held and the
 * lowest failed rate a fixed number of times. Pure: the probe is passed in.
 */
import type { ProbeResult, SearchResult } from '../model/bench-results.js';

export interface RateSearchSettings {
  /** First rate offered, events/s. */
  readonly startRate: number;
  /** Factor between steps before the bracket is found (> 1). */
  readonly growth: number;
  /** Bisections once a held and a failed rate bracket the answer. */
  readonly refinements: number;
  /** Give up below this rate. */
  readonly minRate: number;
  /** Never offer more than this. */
  readonly maxRate: number;
  /** Rates are rounded to a multiple of this. @default 50 */
  readonly step?: number;
  /**
   * Probe a failed rate once more before believing it: on a shared machine a burst of other work
   * can sink one window, while a held window cannot be faked. @default false
   */
  readonly confirmFailures?: boolean;
}

export class RateSearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RateSearchError';
  }
}

function check(settings: RateSearchSettings): void {
  const { startRate, growth, refinements, minRate, maxRate } = settings;
  if (!(minRate > 0 && minRate <= startRate && startRate <= maxRate)) {
    throw new RateSearchError(`rates must satisfy 0 < minRate <= startRate <= maxRate, got ${minRate}, ${startRate}, ${maxRate}`);
  }
  if (!(growth > 1)) throw new RateSearchError(`growth must be > 1, got ${growth}`);
  if (!Number.isInteger(refinements) || refinements < 0)
    throw new RateSearchError(`refinements must be a whole number >= 0, got ${refinements}`);
}

/** Runs probes until the sustained rate is bracketed and refined; returns every probe made. */
export async function searchSustainedRate(
  probe: (rate: number) => Promise<ProbeResult>,
  settings: RateSearchSettings,
): Promise<SearchResult> {
  check(settings);
  const step = settings.step ?? 50;
  const round = (rate: number) => Math.max(step, Math.round(rate / step) * step);
  const probes: ProbeResult[] = [];
  let held: number | undefined;
  let failed: number | undefined;
  let refined = 0;
  let rate = round(settings.startRate);
  for (;;) {
    let result = await probe(rate);
    probes.push(result);
    if (!result.held && settings.confirmFailures) {
      result = await probe(rate);
      probes.push(result);
    }
    if (result.held) held = Math.max(held ?? 0, rate);
    else failed = Math.min(failed ?? Number.POSITIVE_INFINITY, rate);

    if (failed === undefined) {
      if (rate >= settings.maxRate) return { sustainedRate: rate, probes, note: `held the upper limit of ${settings.maxRate}/s` };
      rate = round(Math.min(settings.maxRate, rate * settings.growth));
    } else if (held === undefined) {
      if (rate <= settings.minRate)
        return { sustainedRate: 0, lowestFailedRate: failed, probes, note: `nothing held down to ${settings.minRate}/s` };
      rate = round(Math.max(settings.minRate, rate / settings.growth));
    } else {
      const next = round(Math.sqrt(held * failed));
      if (refined >= settings.refinements || next <= held || next >= failed) {
        return { sustainedRate: held, lowestFailedRate: failed, probes };
      }
      refined++;
      rate = next;
    }
  }
}
