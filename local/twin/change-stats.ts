/** Adds up what the change consumers did while the twin runs. */
import type { ChangeOutcome } from '../../src/cdc/change-stage.js';
import { CHANGE_STAGE_NAMES, type ChangeStageName } from '../../src/pipeline/definition.js';
import { LatencyHistogram } from './latency-histogram.js';

export interface ChangeCounts {
  records: number;
  applied: number;
  stale: number;
  dlq: number;
}

export class ChangeStats {
  readonly stages = Object.fromEntries(CHANGE_STAGE_NAMES.map((s) => [s, { records: 0, applied: 0, stale: 0, dlq: 0 }])) as Record<
    ChangeStageName,
    ChangeCounts
  >;
  /** Shop commit to queryable in the analytics store. */
  readonly latency = new LatencyHistogram();

  record(outcome: ChangeOutcome): void {
    const counts = this.stages[outcome.stage];
    counts.records += outcome.records;
    counts.applied += outcome.applied;
    counts.stale += outcome.stale;
    counts.dlq += outcome.dlq;
    for (const ms of outcome.latenciesMs) this.latency.add(ms);
  }
}
