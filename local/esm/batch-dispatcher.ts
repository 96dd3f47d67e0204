/**
 * Between fetching and invoking: per-partition queues of fetched records, the open batch and its
 * window (docs/lambda-kafka-esm.md section 2). A shared assembler takes records from every partition
 * that has no batch in flight; a closed batch marks its partitions busy until its records are
 * committed past, so each partition has at most one batch in flight while different partitions
 * progress in parallel. A partition whose queue grows too long is paused.
 */
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { EventSourceInfo } from '../../src/kafka/msk-event-codec.js';
import { BatchAssembler, payloadBytesOf } from './batch-assembler.js';
import type { CommitPosition } from './batch-runner.js';
import { PartitionQueue } from './partition-queue.js';

/**
 * A partition's fetching pauses when this many batches' worth of records, or of payload bytes,
 * wait for it; it resumes once less than one batch is left.
 */
const QUEUED_BATCHES_BEFORE_PAUSE = 4;

export interface BatchDispatcherOptions {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maxPayloadBytes: number;
  readonly source: EventSourceInfo;
  /** Runs a closed batch to its end (batch-runner's runBatch). */
  readonly runBatch: (records: readonly KafkaRecord[]) => Promise<void>;
  /** A record too large for any invocation. */
  readonly rejectOversize: (record: KafkaRecord, payloadBytes: number) => Promise<void>;
  /** Commits past skipped records (never rejects: a lost commit only means a refetch). */
  readonly commit: (positions: readonly CommitPosition[]) => Promise<void>;
  readonly pause: (topic: string, partition: number) => void;
  readonly resume: (topic: string, partition: number) => void;
  readonly isStopping: () => boolean;
  readonly warn: (message: string) => void;
}

export class BatchDispatcher {
  private readonly assembler: BatchAssembler;
  private readonly partitions = new Map<string, PartitionQueue>();
  private readonly batches = new Set<Promise<void>>();
  private windowTimer: NodeJS.Timeout | undefined;
  private windowDeadline = 0;
  private fillScheduled = false;
  private cursor = 0;
  /** Records queued from fetches (PolledEventCount). */
  polled = 0;
  /** Records committed past (CommittedEventCount). */
  committed = 0;

  constructor(private readonly options: BatchDispatcherOptions) {
    this.assembler = new BatchAssembler(
      { batchSize: options.batchSize, maxPayloadBytes: options.maxPayloadBytes, windowMs: options.batchingWindowMs },
      options.source,
    );
  }

  /** Queues fetched records of one partition (duplicates of queued or processed ones are dropped) and fills. */
  enqueue(topic: string, partition: number, records: readonly KafkaRecord[], arrival: number): void {
    const queue = this.queueFor(topic, partition);
    for (const record of records) if (queue.push(record, arrival)) this.polled++;
    const { batchSize, maxPayloadBytes } = this.options;
    if (
      !queue.paused &&
      (queue.size >= QUEUED_BATCHES_BEFORE_PAUSE * batchSize || queue.bytes >= QUEUED_BATCHES_BEFORE_PAUSE * maxPayloadBytes)
    ) {
      queue.paused = true;
      this.options.pause(queue.topic, queue.partition);
    }
    this.fill();
  }

  /**
   * kafkajs fetched records of a partition that it does not deliver, up to `nextOffset` (a fetch
   * of nothing but transaction markers or aborted records; kafkajs moves its position past them).
   * Lambda's poller commits past them; here that waits until every record fetched before them is
   * committed past, so a marker at the end of a partition leaves no offset lag.
   */
  skipTo(topic: string, partition: number, nextOffset: number): void {
    const queue = this.queueFor(topic, partition);
    if (nextOffset <= Math.max(queue.skipTo ?? -1, queue.committedPosition ?? -1)) return;
    queue.skipTo = nextOffset;
    this.commitSkippedIfIdle(queue);
  }

  /** After a rebalance, forget partitions this consumer no longer owns (their new owner resumes from the commits). */
  onAssignment(owned: ReadonlySet<string>): void {
    for (const [key, queue] of this.partitions) {
      if (owned.has(key)) {
        queue.revoked = false; // handed back while its last batch was still running
        continue;
      }
      queue.clear();
      // kafkajs keeps a paused partition paused across rebalances: if it comes back to this
      // consumer, nothing would fetch it again.
      if (queue.paused) {
        queue.paused = false;
        this.options.resume(queue.topic, queue.partition);
      }
      if (queue.busy) queue.revoked = true;
      else this.partitions.delete(key);
    }
  }

  /** A new consumer fetches every partition: nothing is paused any more. */
  forgetPauses(): void {
    for (const queue of this.partitions.values()) queue.paused = false;
  }

  /** Counts committed records and remembers each partition's position. */
  onCommitted(positions: readonly CommitPosition[]): void {
    for (const p of positions) {
      const queue = this.partitions.get(`${p.topic}-${p.partition}`);
      if (!queue) continue;
      const from = queue.committedPosition ?? p.offset;
      if (p.offset > from) this.committed += p.offset - from;
      queue.committedPosition = Math.max(from, p.offset);
    }
  }

  /**
   * The consumer moved a partition to `offset`: its queued records and its share of the open batch
   * are dropped, and a batch of it still in flight finishes with its commits dropped (see
   * commitsAdmitted), so the next batch of the partition starts at `offset`.
   */
  seek(topic: string, partition: number, offset: number): void {
    const queue = this.queueFor(topic, partition);
    queue.clear();
    this.assembler.drop(queue.key);
    if (queue.busy) queue.fenced = true;
    queue.committedPosition = offset;
    if (queue.paused) {
      queue.paused = false;
      this.options.resume(topic, partition);
    }
  }

  /** The positions that may be committed: none of a partition whose in-flight batch predates a seek. */
  commitsAdmitted(positions: readonly CommitPosition[]): readonly CommitPosition[] {
    if (!positions.some((p) => this.partitions.get(`${p.topic}-${p.partition}`)?.fenced)) return positions;
    return positions.filter((p) => !this.partitions.get(`${p.topic}-${p.partition}`)?.fenced);
  }

  /** These partitions have nothing left in their batch: they may join the next one. */
  release(keys: readonly string[]): void {
    for (const key of keys) {
      const queue = this.partitions.get(key);
      if (!queue) continue;
      queue.busy = false;
      queue.fenced = false;
      if (queue.revoked) this.partitions.delete(key);
      else this.commitSkippedIfIdle(queue);
    }
    this.scheduleFill();
  }

  /** Commits a partition's skipped records once nothing fetched before them waits. */
  private commitSkippedIfIdle(queue: PartitionQueue): void {
    const offset = queue.skipTo;
    if (offset === undefined || queue.busy || queue.size > 0 || this.assembler.has(queue.key) || this.options.isStopping()) return;
    queue.skipTo = undefined;
    if (offset > (queue.committedPosition ?? -1)) void this.options.commit([{ topic: queue.topic, partition: queue.partition, offset }]);
  }

  /** Stops batching; resolves once every dispatched batch has ended. Queued records are dropped, uncommitted. */
  async stop(): Promise<void> {
    this.clearWindowTimer();
    while (this.batches.size > 0) await Promise.allSettled([...this.batches]);
    for (const queue of this.partitions.values()) queue.clear();
  }

  /** Moves queued records of free partitions into the open batch, closing it when it is full. */
  private fill(): void {
    if (this.options.isStopping()) return;
    const queues = [...this.partitions.values()];
    const now = Date.now();
    // Start at a rotating partition so a busy one cannot keep filling every batch first.
    this.cursor = (this.cursor + 1) % Math.max(1, queues.length);
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[(this.cursor + i) % queues.length] as PartitionQueue;
      for (let record = queue.peek(); !queue.busy && record !== undefined; record = queue.peek()) {
        const result = this.assembler.offer(record, queue.peekArrival());
        if (result === 'added') {
          queue.shift();
          if (this.assembler.isFull) this.dispatchOpenBatch();
        } else if (result === 'full' || this.assembler.has(queue.key)) {
          // The partition's earlier records go first; then the record gets a batch, or its own failure.
          this.dispatchOpenBatch();
        } else {
          queue.shift();
          queue.busy = true;
          this.track(this.options.rejectOversize(record, payloadBytesOf([record], this.options.source)));
        }
      }
      if (queue.paused && queue.size < this.options.batchSize && queue.bytes < this.options.maxPayloadBytes) {
        queue.paused = false;
        this.options.resume(queue.topic, queue.partition);
      }
    }
    this.armWindowTimer(now);
  }

  private queueFor(topic: string, partition: number): PartitionQueue {
    const key = `${topic}-${partition}`;
    let queue = this.partitions.get(key);
    if (!queue) {
      queue = new PartitionQueue(topic, partition);
      this.partitions.set(key, queue);
    }
    return queue;
  }

  /** Closes the open batch when its window ends; re-armed when an older record moved the end earlier. */
  private armWindowTimer(now: number): void {
    const deadline = this.assembler.deadline;
    if (deadline === undefined || (this.windowTimer !== undefined && this.windowDeadline <= deadline)) return;
    this.clearWindowTimer();
    this.windowDeadline = deadline;
    this.windowTimer = setTimeout(
      () => {
        this.windowTimer = undefined;
        if (!this.assembler.isEmpty) this.dispatchOpenBatch();
        this.fill();
      },
      Math.max(0, deadline - now),
    );
  }

  /** Runs fill() once after the current turn, however many partitions were released in it. */
  private scheduleFill(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    queueMicrotask(() => {
      this.fillScheduled = false;
      this.fill();
    });
  }

  private clearWindowTimer(): void {
    if (this.windowTimer !== undefined) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
  }

  private dispatchOpenBatch(): void {
    this.clearWindowTimer();
    const batch = this.assembler.take();
    for (const key of batch.partitions) {
      const queue = this.partitions.get(key);
      if (queue) queue.busy = true;
    }
    this.track(this.options.runBatch(batch.records));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      // A bug, not a Kafka or handler failure: keep the partitions held so nothing is committed past.
      this.options.warn(
        `batch processing failed unexpectedly, its partitions are held: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    this.batches.add(tracked);
    void tracked.finally(() => this.batches.delete(tracked));
  }
}
