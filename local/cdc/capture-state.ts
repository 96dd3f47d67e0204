/** What the parts of a running capture share: its counters, its confirmed LSN, its pending transactions. */
import type { PendingTransactions } from './pending-transactions.js';
import type { Wakeups } from './wakeups.js';

export interface CaptureCounters {
  snapshotRows: number;
  /** Row changes of confirmed transactions, published and acknowledged (snapshot reads included; tombstones not). */
  changesPublished: number;
  /** Records (tombstones included) Kafka acknowledged, confirmed or not yet. */
  recordsAcknowledged: number;
  transactionsConfirmed: number;
  reconnects: number;
  publishRetries: number;
}

export interface ChangeCaptureStats extends Readonly<CaptureCounters> {
  readonly confirmedLsn: string;
  readonly pendingRecords: number;
}

export interface CaptureState {
  stopping: boolean;
  /** Bumped at every (re)subscription: work begun for an older stream is dropped. */
  generation: number;
  /** End LSN of the last transaction Kafka acknowledged in full: what the slot confirms. */
  confirmed: bigint;
  readonly counters: CaptureCounters;
  readonly pending: PendingTransactions;
  readonly wakeups: Wakeups;
}

export function newCaptureCounters(): CaptureCounters {
  return {
    snapshotRows: 0,
    changesPublished: 0,
    recordsAcknowledged: 0,
    transactionsConfirmed: 0,
    reconnects: 0,
    publishRetries: 0,
  };
}
