/** What `tributary start` shows while it runs: the progress line every second and the lag warnings. */
import type { StageName } from '../../src/pipeline/definition.js';
import { describeLagVerdict, type LagVerdict, LagWatch } from '../twin/lag-watch.js';
import type { LocalTwin } from '../twin/local-twin.js';
import { formatProgress, ProgressLine } from '../twin/progress-line.js';

type StageLag = Record<StageName, number>;

/** The lag watch, silent while a stage is moved (a seek makes its lag jump on purpose). */
export class LagWarnings {
  private readonly watch = new LagWatch();
  private seeking = 0;

  async duringSeek<T>(seek: () => Promise<T>): Promise<T> {
    this.seeking++;
    try {
      return await seek();
    } finally {
      this.seeking--;
      this.watch.reset();
    }
  }

  verdict(lag: StageLag, now: number, stopping: boolean): LagVerdict {
    return stopping || this.seeking > 0 ? undefined : this.watch.add(lag, now);
  }
}

export interface ProgressTickerOptions {
  readonly twin: LocalTwin;
  readonly lagWarnings: LagWarnings;
  /** Aborted once the run stops: lag warnings are over. */
  readonly stopping: AbortSignal;
  /** The generator's rate, when it runs. */
  readonly ratePerSecond: number | undefined;
  readonly err: NodeJS.WritableStream;
}

/** Redraws the progress line every second; `produced` is what the generator reports acknowledged. */
export class ProgressTicker {
  produced = 0;
  private readonly progress = new ProgressLine();
  private last = { at: Date.now(), produced: 0, stored: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: ProgressTickerOptions) {
    this.timer = setInterval(() => {
      void options.twin.lag().then(
        (lag) => this.tick(lag),
        () => {},
      );
    }, 1000);
  }

  /** Stops the ticks and ends the line (the run drained). */
  finish(): void {
    clearInterval(this.timer);
    this.progress.done();
  }

  /** Stops the ticks. */
  cancel(): void {
    clearInterval(this.timer);
  }

  private tick(lag: StageLag): void {
    const { twin, lagWarnings, err } = this.options;
    const now = Date.now();
    const stored = twin.stats.stages.sink.passed;
    const seconds = Math.max(0.001, (now - this.last.at) / 1000);
    const eventsPerSecond = Math.round((this.produced - this.last.produced) / seconds);
    const storedPerSecond = Math.round((stored - this.last.stored) / seconds);
    this.last = { at: now, produced: this.produced, stored };
    this.progress.show(formatProgress(twin.stats, this.produced, lag, eventsPerSecond, storedPerSecond, twin.consumerFailures()));
    const verdict = lagWarnings.verdict(lag, now, this.options.stopping.aborted);
    if (verdict) err.write(`\n${verdict.kind === 'behind' ? 'warning: ' : ''}${describeLagVerdict(verdict, this.options.ratePerSecond)}\n`);
  }
}
