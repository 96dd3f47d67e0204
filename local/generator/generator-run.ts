/** What a generator run reports: its progress while it runs, its tallies at the end. */
import type { LedgerTotals } from './generator-ledger.js';

export interface GeneratorProgress {
  sent: number;
  acknowledged: number;
  elapsedMs: number;
}

export type GeneratorStopReason = 'duration' | 'maxEvents' | 'abort' | 'error';

export interface GeneratorRunSummary extends LedgerTotals {
  /** Records handed to the publisher. */
  sent: number;
  /** Records Kafka acknowledged (equals `records`). */
  acknowledged: number;
  elapsedMs: number;
  /** acknowledged / elapsed seconds. */
  actualRatePerSecond: number;
  stoppedBy: GeneratorStopReason;
}
