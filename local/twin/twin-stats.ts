/** Adds up what the stages did while the twin runs: counts per stage, DLQ by reason, freshness. */
import type { InvalidReason } from '../../src/events/invalid-reason.js';
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import { LatencyHistogram } from './latency-histogram.js';

export interface StageCounts {
  /** Records handed to the stage (redeliveries included). */
  records: number;
  /** Passed on (ingest, enrich) or stored as new rows (sink). */
  passed: number;
  dlq: number;
  duplicates: number;
}

export class TwinStats {
  readonly startedAt = Date.now();
  readonly stages: Record<StageName, StageCounts> = Object.fromEntries(
    STAGE_NAMES.map((s) => [s, { records: 0, passed: 0, dlq: 0, duplicates: 0 }]),
  ) as Record<StageName, StageCounts>;
  readonly dlqByReason: Partial<Record<InvalidReason, number>> = {};
  readonly latency = new LatencyHistogram();
  /** Latency of the last few seconds, for the live line. */
  private recentLatency = new LatencyHistogram();
  private recentSince = Date.now();

  record(outcome: StageOutcome): void {
    const counts = this.stages[outcome.stage];
    counts.records += outcome.records;
    counts.passed += outcome.passed;
    counts.duplicates += outcome.duplicates ?? 0;
    for (const [reason, n] of Object.entries(outcome.dlq) as [InvalidReason, number][]) {
      counts.dlq += n;
      this.dlqByReason[reason] = (this.dlqByReason[reason] ?? 0) + n;
    }
    for (const ms of outcome.latenciesMs ?? []) {
      this.latency.add(ms);
      this.recentLatency.add(ms);
    }
  }

  /** Percentiles since the previous call (at least 5 s of data), for a live view. */
  recent(): { p50: number; p99: number } {
    const summary = this.recentLatency.summary();
    if (Date.now() - this.recentSince >= 5000) {
      this.recentLatency = new LatencyHistogram();
      this.recentSince = Date.now();
    }
    return { p50: summary.p50, p99: summary.p99 };
  }

  get dlqTotal(): number {
    return STAGE_NAMES.reduce((sum, s) => sum + this.stages[s].dlq, 0);
  }
}
