/** Values that only exist as "now" (lag, freshness), kept over successive refreshes to draw as lines. */
import { SAMPLES_KEPT } from './settings.js';

type Sample = { t: number; values: Readonly<Record<string, number | null>> };

/** The last SAMPLES_KEPT samples, in time order. */
export class Samples {
  private readonly items: Sample[] = [];

  /** Adds a sample at epoch second t; one not after the last is ignored. */
  add(t: number, values: Readonly<Record<string, number | null>>): void {
    const last = this.items[this.items.length - 1];
    if (last && last.t >= t) return;
    this.items.push({ t, values });
    if (this.items.length > SAMPLES_KEPT) this.items.shift();
  }

  xs(): number[] {
    return this.items.map((s) => s.t);
  }

  series(key: string): (number | null)[] {
    return this.items.map((s) => s.values[key] ?? null);
  }
}
