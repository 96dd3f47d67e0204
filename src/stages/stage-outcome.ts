/** What one stage did with one batch: the handler logs and meters it, the local twin adds it up. */
import type { InvalidReason } from '../events/invalid-reason.js';
import type { OutputRecord } from '../kafka/msk-event.js';
import type { StageName } from '../pipeline/definition.js';

export interface StageOutcome {
  stage: StageName;
  /** Records in the batch. */
  records: number;
  /** Records passed on to the next topic (ingest, enrich) or stored as new rows (sink). */
  passed: number;
  /** Records sent to the DLQ, by reason. */
  dlq: Partial<Record<InvalidReason, number>>;
  /** sink only: records already stored (redelivered or duplicated by the producer). */
  duplicates?: number;
  /** sink only: ingest-to-queryable latency of each new row, measured after commit. */
  latenciesMs?: number[];
}

export function emptyOutcome(stage: StageName, records: number): StageOutcome {
  return { stage, records, passed: 0, dlq: {} };
}

export function countDlq(outcome: StageOutcome, reason: InvalidReason): void {
  outcome.dlq[reason] = (outcome.dlq[reason] ?? 0) + 1;
}

export function dlqTotal(outcome: Pick<StageOutcome, 'dlq'>): number {
  let total = 0;
  for (const n of Object.values(outcome.dlq)) total += n ?? 0;
  return total;
}

/** A stage's answer for a batch: the records to produce, and what it did. */
export interface StageBatchResult {
  outputs: OutputRecord[];
  outcome: StageOutcome;
}
