/** Weighted and Zipf-like draws over a fixed list, O(log n) each (cumulative weights, binary search). */
import type { Random } from '../../src/reference/seeded-random.js';

export class WeightedChoice<T> {
  private readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new RangeError('a weighted choice needs at least one entry');
    this.items = entries.map(([item]) => item);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`weight ${weight} is not a finite number >= 0`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new RangeError('weights sum to zero');
    this.total = sum;
  }

  draw(random: Random): T {
    const target = random() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}

/** Rank r (1-based) gets weight 1 / r^exponent: a few items take most draws, a long tail the rest. */
export function zipfChoice<T>(itemsByRank: readonly T[], exponent: number): WeightedChoice<T> {
  return new WeightedChoice(itemsByRank.map((item, i) => [item, 1 / (i + 1) ** exponent] as const));
}

/** A seeded Fisher-Yates shuffle (returns a new array). */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A whole number in [min, max]. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
