/**
 * Notices when the twin falls behind: a stage's offset lag that keeps growing for a while means
 * the machine does not keep up with the generator. One warning when it starts (what, where, what
 * to do), one when it has caught up again.
 */
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';

export interface LagWatchOptions {
  /** How long lag must grow before it is called falling behind. @default 10 s */
  windowMs?: number;
  /** Growth over the window, in records, that counts (batching makes lag jump by a few batches). @default 1000 */
  minGrowth?: number;
}

export type LagVerdict =
  | { kind: 'behind'; stage: StageName; from: number; to: number; seconds: number }
  | { kind: 'caught-up'; stage: StageName }
  | undefined;

interface Sample {
  at: number;
  lag: Record<StageName, number>;
}

export class LagWatch {
  private readonly samples: Sample[] = [];
  private behind: StageName | undefined;
  private readonly windowMs: number;
  private readonly minGrowth: number;

  constructor(options: LagWatchOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.minGrowth = options.minGrowth ?? 1_000;
  }

  /** Forgets the readings so far (a stage was moved on purpose: its lag jumps, which is no sign of falling behind). */
  reset(): void {
    this.samples.length = 0;
    this.behind = undefined;
  }

  /** Adds a lag reading; returns a verdict when the state changes. */
  add(lag: Record<StageName, number>, at = Date.now()): LagVerdict {
    this.samples.push({ at, lag });
    while (this.samples.length > 2 && (this.samples[1] as Sample).at <= at - this.windowMs) this.samples.shift();
    const oldest = this.samples[0] as Sample;
    if (this.behind) {
      if (lag[this.behind] < this.minGrowth) {
        const stage = this.behind;
        this.behind = undefined;
        return { kind: 'caught-up', stage };
      }
      return undefined;
    }
    if (at - oldest.at < this.windowMs) return undefined;
    // Growing: higher now than at the start of the window, and never back down to where it started.
    const worst = STAGE_NAMES.map((stage) => ({
      stage,
      growth: lag[stage] - oldest.lag[stage],
      floor: Math.min(...this.samples.slice(1).map((s) => s.lag[stage])),
    }))
      .filter((s) => s.growth >= this.minGrowth && s.floor > oldest.lag[s.stage])
      .sort((a, b) => b.growth - a.growth)[0];
    if (!worst) return undefined;
    this.behind = worst.stage;
    return {
      kind: 'behind',
      stage: worst.stage,
      from: oldest.lag[worst.stage],
      to: lag[worst.stage],
      seconds: Math.round((at - oldest.at) / 1000),
    };
  }
}

const n = (value: number) => value.toLocaleString('en-US');

/** The warning printed for a verdict. */
export function describeLagVerdict(verdict: NonNullable<LagVerdict>, ratePerSecond: number | undefined): string {
  if (verdict.kind === 'caught-up') return `caught up: the ${verdict.stage} stage's lag is back under control`;
  const lower = ratePerSecond ? `lower --rate (e.g. --rate ${n(Math.max(50, Math.round(ratePerSecond / 2 / 50) * 50))}), ` : '';
  return (
    `falling behind: the ${verdict.stage} stage's lag grew from ${n(verdict.from)} to ${n(verdict.to)} records in ${verdict.seconds} s, ` +
    `so events take longer and longer to become queryable. This machine does not keep up: ${lower}close busy programs, or see docs/performance.md`
  );
}
