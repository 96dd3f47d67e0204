/** Records fetched from one partition and not yet placed in a batch, plus the partition's progress. */
import { type KafkaRecord, topicPartitionKey } from '../../src/kafka/msk-event.js';

export class PartitionQueue {
  readonly key: string;
  /** A dispatched batch holds records of this partition: its next records wait (one batch in flight per partition). */
  busy = false;
  /** Fetching is paused because too many records are queued. */
  paused = false;
  /** The partition left this consumer's assignment; the state goes once its batch finishes. */
  revoked = false;
  /**
   * The consumer was moved (seek) while a batch of this partition was in flight: that batch
   * finishes, but its commits are dropped so they cannot overwrite the new position.
   */
  fenced = false;
  /** Position last committed (or where fetching began), for the committed-records count. */
  committedPosition: number | undefined;
  /**
   * Offset past records kafkajs fetched but does not deliver (transaction markers, aborted records),
   * to commit once nothing of the partition before them is queued or in flight.
   */
  skipTo: number | undefined;
  /** Key and value bytes of the queued records. */
  bytes = 0;
  private records: KafkaRecord[] = [];
  /** When each queued record was fetched (epoch ms): a batch's window runs from its oldest record's arrival. */
  private arrivals: number[] = [];
  private head = 0;
  /** Next offset expected from the fetcher; lower ones are refetched duplicates. */
  private nextOffset: number | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = topicPartitionKey(topic, partition);
  }

  /** Queues a record fetched at `arrival` (epoch ms); false for a duplicate of one already queued or processed. */
  push(record: KafkaRecord, arrival: number): boolean {
    if (this.nextOffset !== undefined && record.offset < this.nextOffset) return false;
    this.committedPosition ??= record.offset;
    this.nextOffset = record.offset + 1;
    this.records.push(record);
    this.arrivals.push(arrival);
    this.bytes += recordBytes(record);
    return true;
  }

  get size(): number {
    return this.records.length - this.head;
  }

  peek(): KafkaRecord | undefined {
    return this.records[this.head];
  }

  /** When the record peek() returns was fetched. */
  peekArrival(): number {
    return this.arrivals[this.head] ?? Date.now();
  }

  /** Drops the record peek() returned. */
  shift(): void {
    const record = this.records[this.head];
    if (record) this.bytes -= recordBytes(record);
    this.head++;
    if (this.head === this.records.length) {
      this.records = [];
      this.arrivals = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets queued records (they were never committed, so they will be fetched again). */
  clear(): void {
    this.bytes = 0;
    this.records = [];
    this.arrivals = [];
    this.head = 0;
    this.nextOffset = undefined;
    this.skipTo = undefined;
  }
}

function recordBytes(record: KafkaRecord): number {
  return (record.key?.length ?? 0) + (record.value?.length ?? 0);
}
