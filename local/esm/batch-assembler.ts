/**
 * Assembles the records of one invocation (docs/lambda-kafka-esm.md section 2). A batch closes when it
 * holds batchSize records, when its window (opened by its first record) ends, or when the next
 * record would push the JSON payload past maxPayloadBytes. Sizes are counted exactly: the payload
 * of a batch is byte for byte the length of JSON.stringify(encodeMskEvent(records, source)).
 */

import { type KafkaRecord, topicPartitionKey } from '../../src/kafka/msk-event.js';
import { type EventSourceInfo, encodedRecordSize, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';

export interface BatchLimits {
  /** Records per invocation, 1..10,000. */
  readonly batchSize: number;
  /** Bytes of the invocation payload (Lambda: 6 MB). */
  readonly maxPayloadBytes: number;
  /** How long a batch stays open after its first record. */
  readonly windowMs: number;
}

/**
 * - `added`: the record is in the batch.
 * - `full`: the batch cannot take it (size or payload); close the batch and offer it again.
 * - `oversize`: the record alone cannot fit in any invocation.
 */
export type OfferResult = 'added' | 'full' | 'oversize';

export interface AssembledBatch {
  /** Grouped by topic-partition in the order partitions joined, each in offset order. */
  readonly records: KafkaRecord[];
  /** "<topic>-<partition>" keys present. */
  readonly partitions: string[];
  readonly payloadBytes: number;
}

/** Bytes of an event with no records: everything around the records object's contents. */
export function emptyEventBytes(source: EventSourceInfo): number {
  return Buffer.byteLength(JSON.stringify(encodeMskEvent([], source)));
}

/** Bytes `"<key>":[` + `]` add to the records object, without a separating comma. */
function partitionEntryBytes(key: string): number {
  return Buffer.byteLength(JSON.stringify(key)) + 3;
}

export class BatchAssembler {
  private readonly baseBytes: number;
  private groups = new Map<string, KafkaRecord[]>();
  private count = 0;
  private bytes: number;
  private openedAt: number | undefined;

  constructor(
    private readonly limits: BatchLimits,
    private readonly source: EventSourceInfo,
  ) {
    this.baseBytes = emptyEventBytes(source);
    this.bytes = this.baseBytes;
  }

  /**
   * Offers the next record of its partition. `arrival` is when the record was fetched (epoch ms):
   * the window runs from the earliest arrival in the batch, so records that already waited while
   * their partition had a batch in flight do not wait a second window.
   */
  offer(record: KafkaRecord, arrival: number): OfferResult {
    const key = topicPartitionKey(record.topic, record.partition);
    const recordBytes = encodedRecordSize(record);
    const entryBytes = partitionEntryBytes(key);
    if (this.baseBytes + entryBytes + recordBytes > this.limits.maxPayloadBytes) return 'oversize';
    const group = this.groups.get(key);
    // A further record of a partition adds ",R"; a new partition adds ",\"key\":[R]" (no comma if first).
    const cost = group ? 1 + recordBytes : (this.groups.size > 0 ? 1 : 0) + entryBytes + recordBytes;
    if (this.count >= this.limits.batchSize || this.bytes + cost > this.limits.maxPayloadBytes) return 'full';
    if (group) group.push(record);
    else this.groups.set(key, [record]);
    if (this.openedAt === undefined || arrival < this.openedAt) this.openedAt = arrival;
    this.count++;
    this.bytes += cost;
    return 'added';
  }

  get recordCount(): number {
    return this.count;
  }

  get payloadBytes(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get isFull(): boolean {
    return this.count >= this.limits.batchSize;
  }

  /** Whether the open batch holds records of this "<topic>-<partition>". */
  has(partitionKey: string): boolean {
    return this.groups.has(partitionKey);
  }

  /** Takes a partition's records out of the open batch (its consumer moved to another offset). */
  drop(partitionKey: string): void {
    const group = this.groups.get(partitionKey);
    if (!group) return;
    this.groups.delete(partitionKey);
    this.count -= group.length;
    const rest = [...this.groups.values()].flat();
    this.bytes = rest.length > 0 ? payloadBytesOf(rest, this.source) : this.baseBytes;
    if (this.count === 0) this.openedAt = undefined;
  }

  /** Epoch ms at which the window closes (possibly already past); undefined while the batch is empty. */
  get deadline(): number | undefined {
    return this.openedAt === undefined ? undefined : this.openedAt + this.limits.windowMs;
  }

  /** Closes the batch: returns its records and starts an empty one. */
  take(): AssembledBatch {
    const batch: AssembledBatch = {
      records: [...this.groups.values()].flat(),
      partitions: [...this.groups.keys()],
      payloadBytes: this.bytes,
    };
    this.groups = new Map();
    this.count = 0;
    this.bytes = this.baseBytes;
    this.openedAt = undefined;
    return batch;
  }
}

/** Bytes of the payload encodeMskEvent(records, source) serialises to, counted as the assembler does. */
export function payloadBytesOf(records: readonly KafkaRecord[], source: EventSourceInfo): number {
  let bytes = emptyEventBytes(source);
  const seen = new Set<string>();
  for (const record of records) {
    const key = topicPartitionKey(record.topic, record.partition);
    const recordBytes = encodedRecordSize(record);
    if (seen.has(key)) bytes += 1 + recordBytes;
    else {
      bytes += (seen.size > 0 ? 1 : 0) + partitionEntryBytes(key) + recordBytes;
      seen.add(key);
    }
  }
  return bytes;
}
