/** The live line while the twin runs: redrawn in place on a terminal, a plain line every few seconds otherwise. */
import type { StageName } from '../../src/pipeline/definition.js';
import type { TwinStats } from './twin-stats.js';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * eventsPerSecond: the generator's acknowledged rate over the last second; storedPerSecond: new
 * events the sink stored in that second (they differ while the pipeline catches up).
 */
export function formatProgress(
  stats: TwinStats,
  produced: number,
  lag: Record<StageName, number>,
  eventsPerSecond: number,
  storedPerSecond?: number,
  consumerFailures: Partial<Record<StageName, string>> = {},
): string {
  const { ingest, enrich, sink } = stats.stages;
  const recent = stats.recent();
  const failed = Object.keys(consumerFailures);
  return [
    // First, so a narrow terminal still shows it: these stages read nothing any more.
    ...(failed.length > 0 ? [`CONSUMER FAILED: ${failed.join(', ')}`] : []),
    `produced ${n(produced)}`,
    `ingest ${n(ingest.records)}`,
    `enrich ${n(enrich.records)}`,
    `stored ${n(sink.passed)}`,
    `dlq ${n(stats.dlqTotal)}`,
    `lag ${lag.ingest}/${lag.enrich}/${lag.sink}`,
    `p50 ${recent.p50} ms p99 ${recent.p99} ms`,
    storedPerSecond === undefined ? `${n(eventsPerSecond)} ev/s` : `in ${n(eventsPerSecond)} ev/s, stored ${n(storedPerSecond)} ev/s`,
  ].join(' | ');
}

export class ProgressLine {
  private lastPlain = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  show(line: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
    } else if (Date.now() - this.lastPlain >= 5000) {
      this.lastPlain = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
