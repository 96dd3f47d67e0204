/** Committed transactions received from the slot and waiting for Kafka, in commit order. */
import type { OutputRecord } from '../../src/kafka/msk-event.js';

export interface PendingTransaction {
  readonly records: OutputRecord[];
  readonly changes: number;
  /** End of the commit record: what the slot may confirm once the records are acknowledged. */
  readonly endLsn: bigint;
}

export class PendingTransactions {
  private readonly queue: PendingTransaction[] = [];
  /** Records received but not yet acknowledged by Kafka (those of a batch in flight included). */
  records = 0;

  get isEmpty(): boolean {
    return this.queue.length === 0;
  }

  push(transaction: PendingTransaction): void {
    this.queue.push(transaction);
    this.records += transaction.records.length;
  }

  /** Takes whole transactions, oldest first, until at least `maxRecords` records are taken. */
  takeBatch(maxRecords: number): PendingTransaction[] {
    const batch: PendingTransaction[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < maxRecords) {
      const tx = this.queue.shift() as PendingTransaction;
      batch.push(tx);
      size += tx.records.length;
    }
    return batch;
  }

  /** The records of a taken batch are no longer pending (acknowledged or given up). */
  settle(records: number): void {
    this.records -= records;
  }

  clear(): void {
    this.queue.length = 0;
    this.records = 0;
  }
}
