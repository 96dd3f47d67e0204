/**
 * What the generator got acknowledged by Kafka, kept so a run can be checked end to end: the store
 * must hold exactly the distinct valid events, and the DLQ exactly the invalid records, by reason.
 */
import type { InvalidReason } from '../../src/events/invalid-reason.js';
import type { GeneratedRecord, RecordKind } from './generated-record.js';
import type { RejectingStage } from './invalid-records.js';

export interface LedgerTotals {
  /** Records acknowledged. */
  records: number;
  byKind: Record<RecordKind, number>;
  /** Invalid records by the reason the DLQ must show. */
  byReason: Partial<Record<InvalidReason, number>>;
  /** Invalid records by the stage that must reject them. */
  byStage: Record<RejectingStage, number>;
  /** Distinct event ids among valid records and duplicates: the rows the store must end with. */
  distinctValidEvents: number;
}

export interface GeneratorLedgerOptions {
  /**
   * Keep every valid event id (memory grows with the run: about 100 bytes an event). Without them
   * distinctValidEvents counts valid records, which is the same as long as no duplicate repeats a
   * record that was never acknowledged. @default true
   */
  readonly keepEventIds?: boolean;
}

export class GeneratorLedger {
  private readonly totalsSoFar: LedgerTotals = {
    records: 0,
    byKind: { valid: 0, invalid: 0, duplicate: 0 },
    byReason: {},
    byStage: { ingest: 0, enrich: 0 },
    distinctValidEvents: 0,
  };
  private readonly validIds: Set<string> | undefined;
  private readonly enrichRejectedIds = new Set<string>();

  constructor(options: GeneratorLedgerOptions = {}) {
    this.validIds = (options.keepEventIds ?? true) ? new Set() : undefined;
  }

  /** Records acknowledged records. */
  record(records: Iterable<GeneratedRecord>): void {
    const t = this.totalsSoFar;
    for (const r of records) {
      t.records++;
      t.byKind[r.kind]++;
      if (r.kind === 'invalid') {
        if (r.expectedReason !== undefined) t.byReason[r.expectedReason] = (t.byReason[r.expectedReason] ?? 0) + 1;
        if (r.expectedStage !== undefined) t.byStage[r.expectedStage]++;
        if (r.expectedStage === 'enrich' && r.eventId !== undefined) this.enrichRejectedIds.add(r.eventId);
      } else if (r.eventId !== undefined) {
        if (this.validIds) this.validIds.add(r.eventId);
        else if (r.kind === 'valid') t.distinctValidEvents++;
      }
    }
    if (this.validIds) t.distinctValidEvents = this.validIds.size;
  }

  /** A copy of the running totals. */
  totals(): LedgerTotals {
    const t = this.totalsSoFar;
    return { ...t, byKind: { ...t.byKind }, byReason: { ...t.byReason }, byStage: { ...t.byStage } };
  }

  /** Ids of the valid events acknowledged (empty when keepEventIds is false). */
  get validEventIds(): ReadonlySet<string> {
    return this.validIds ?? new Set();
  }

  /** Ids of well-formed events enrich must reject (unknown SKU, no USD rate): none may reach the store. */
  get enrichRejectedEventIds(): ReadonlySet<string> {
    return this.enrichRejectedIds;
  }
}
