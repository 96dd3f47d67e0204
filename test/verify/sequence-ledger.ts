/**
 * What a verified run sent and what Kafka acknowledged, by sequence number, with what the pipeline
 * must make of each record. The verifier holds the pipeline to exactly these records.
 */
import type { InvalidReason } from '../../src/events/invalid-reason.js';

/** What must become of one record. */
export type Expectation =
  /** A valid event: in the store exactly once. */
  | { readonly outcome: 'stored'; readonly eventId: string }
  /** An invalid record: in the DLQ with this reason (any reason when absent); its event id, if any, never stored. */
  | { readonly outcome: 'dlq'; readonly reason?: InvalidReason; readonly eventId?: string }
  /** Hostile input whose fate is not predicted: stored (when it has an event id) or in the DLQ with a reason. */
  | { readonly outcome: 'stored-or-dlq'; readonly eventId?: string }
  /** A record made to fail every time: in the failure destination after the retries, and nowhere else. */
  | { readonly outcome: 'failure-destination'; readonly eventId?: string };

export class SequenceLedger {
  private next = 1;
  private readonly acked = new Map<number, Expectation>();
  private readonly resent = new Set<number>();
  private readonly everSent = new Set<number>();

  /** Hands out the next sequence number (1, 2, ...). */
  nextSequence(): number {
    return this.next++;
  }

  /** Notes a send attempt of these records; a second attempt of the same record may write it twice. */
  sending(seqs: readonly number[]): void {
    for (const seq of seqs) {
      if (this.everSent.has(seq)) this.resent.add(seq);
      else this.everSent.add(seq);
    }
  }

  /** Notes records Kafka acknowledged. */
  acknowledge(records: readonly { seq: number; expect: Expectation }[]): void {
    for (const { seq, expect } of records) this.acked.set(seq, expect);
  }

  get acknowledged(): ReadonlyMap<number, Expectation> {
    return this.acked;
  }

  /** Records sent more than once (after a publish that failed, possibly after it was written). */
  wasResent(seq: number): boolean {
    return this.resent.has(seq);
  }

  /** Whether this sequence number was handed to Kafka at least once. */
  wasSent(seq: number): boolean {
    return this.everSent.has(seq);
  }

  get size(): number {
    return this.acked.size;
  }
}
