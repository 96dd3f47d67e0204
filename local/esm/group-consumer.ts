/**
 * The Kafka side of a mapping: one kafkajs consumer in the mapping's group. It fetches and hands
 * records on, pauses and resumes partitions, follows rebalances, commits, and restarts a crashed
 * consumer with backoff as Lambda's poller does (docs/lambda-kafka-esm.md section 2). A consumer
 * that keeps crashing is declared failed, loudly: the mapping's stats carry the reason.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { CommitPosition } from './batch-runner.js';
import { errorMessage } from './errors.js';
import { backoffDelayMs, type RetryBackoff } from './retry-policy.js';

/**
 * Fetch tuning. librdkafka's mock cluster does not answer a waiting fetch early when records
 * arrive, so the fetch wait adds up to its full length to every record's latency: keep it a
 * quarter of the window, within 10..50 ms (each idle fetch costs little).
 */
const MAX_FETCH_WAIT_MS = 50;
const MIN_FETCH_WAIT_MS = 10;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
/**
 * librdkafka's mock cluster holds a rebalance for session timeout - 1 s after a member leaves, so a
 * mapping restarted on the same group waits that long to join; 10 s keeps that short and is still
 * well above any pause of the event loop (delivery never waits on the handler).
 */
const SESSION_TIMEOUT_MS = 10_000;

/** kafkajs error types after which this member must join the group again (kafkajs rejoins when eachBatch throws one). */
const REJOIN_ERROR_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

function needsRejoin(error: unknown): boolean {
  return error instanceof Error && REJOIN_ERROR_TYPES.has((error as Error & { type?: string }).type ?? '');
}

/** How a crashed consumer is restarted, and when the mapping gives up on it. */
export interface ConsumerRestartPolicy {
  readonly backoff: RetryBackoff;
  /**
   * Crashes kafkajs does not restart (errors it deems not retriable), in a row and none more than
   * stableAfterMs apart, after which the consumer is declared failed.
   */
  readonly maxConsecutiveCrashes: number;
  /** A consumer that ran this long since its last crash counts as recovered. */
  readonly stableAfterMs: number;
}

/** UNDOCUMENTED: AWS names no restart schedule for its pollers; about 2 minutes of tries, then failed. */
export const DEFAULT_CONSUMER_RESTART: ConsumerRestartPolicy = {
  backoff: { initialMs: 1000, maxMs: 30_000 },
  maxConsecutiveCrashes: 8,
  stableAfterMs: 60_000,
};

export interface ConsumerHealth {
  /** Times the consumer crashed (kafkajs's CRASH event). */
  readonly crashes: number;
  /** Times a crashed consumer was started again (by kafkajs or by the mapping). */
  readonly restarts: number;
  /** Why the mapping gave up on its consumer; undefined while it is healthy or recovering. */
  readonly failure?: string;
}

export interface GroupConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly batchingWindowMs: number;
  /** Offsets to seek to and commit on the first join, for partitions the group never committed. */
  readonly startOffsets: ReadonlyMap<number, number>;
  readonly restart: ConsumerRestartPolicy;
  /** Takes the fetched messages of one partition; a throw crashes the consumer. */
  readonly onMessages: (topic: string, partition: number, messages: readonly KafkaMessage[]) => void;
  /**
   * kafkajs fetched only records it does not deliver (transaction markers, aborted records) and
   * moved its position to `nextOffset`; they are the mapping's to commit past.
   */
  readonly onSkipped: (topic: string, partition: number, nextOffset: number) => void;
  /** After each join: the "<topic>-<partition>" keys this member owns. */
  readonly onAssignment: (owned: ReadonlySet<string>) => void;
  /** A new consumer replaced a crashed one: it fetches everything, nothing is paused. */
  readonly onRestart: () => void;
  /** Positions committed (for the committed-records count). */
  readonly onCommitted: (positions: readonly CommitPosition[]) => void;
  /** Reads the group's committed offsets (to commit again after a rebalance only what is still ahead). */
  readonly fetchCommitted: () => Promise<ReadonlyMap<string, number>>;
  readonly wait: (ms: number) => Promise<boolean>;
  readonly isStopping: () => boolean;
  readonly warn: (message: string) => void;
}

const key = (topic: string, partition: number) => `${topic}-${partition}`;

export class GroupConsumer {
  private consumer: Consumer | undefined;
  /** Set when a commit was refused because the group rebalanced without this member. */
  private rejoinError: unknown;
  /** Positions whose commit failed, by partition: committed again once the group is joined. */
  private readonly pendingCommits = new Map<string, CommitPosition>();
  private startOffsets: ReadonlyMap<number, number>;
  /** The "<topic>-<partition>" keys this member owns since its last join. */
  private owned: ReadonlySet<string> = new Set();
  /** Partitions sought (seek) whose first fetch from the new offset has not come yet. */
  private readonly seeking = new Set<string>();
  private readonly commitsInFlight = new Set<Promise<unknown>>();
  private crashes = 0;
  private restarts = 0;
  private consecutiveCrashes = 0;
  private lastCrashAt = 0;
  private failure: string | undefined;

  constructor(private readonly options: GroupConsumerOptions) {
    this.startOffsets = options.startOffsets;
  }

  health(): ConsumerHealth {
    return { crashes: this.crashes, restarts: this.restarts, ...(this.failure !== undefined ? { failure: this.failure } : {}) };
  }

  /** Connects, subscribes and runs; resolves once kafkajs runs the consumer. */
  async start(): Promise<void> {
    const consumer = this.create();
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onFetched(consumer, payload) });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
  }

  /** Stops fetching every partition (the mapping is stopping). */
  pauseAll(): void {
    this.call((c) => c.pause([{ topic: this.options.topic }]));
  }

  pause(topic: string, partition: number): void {
    this.call((c) => c.pause([{ topic, partitions: [partition] }]));
  }

  resume(topic: string, partition: number): void {
    this.call((c) => c.resume([{ topic, partitions: [partition] }]));
  }

  /**
   * Moves the partitions this member owns to new offsets without leaving the group: kafkajs fetches
   * them from there on, and drops as stale a batch it fetched before. Throws when the consumer is
   * not running (restarting after a crash). Commit the positions with commitSought() after.
   */
  seek(positions: readonly CommitPosition[]): void {
    const consumer = this.consumer;
    if (!consumer) throw new Error('the consumer has not started');
    for (const p of positions) {
      const k = key(p.topic, p.partition);
      if (!this.owned.has(k)) continue;
      consumer.seek({ topic: p.topic, partition: p.partition, offset: String(p.offset) });
      this.seeking.add(k);
    }
    for (const p of positions) this.pendingCommits.delete(key(p.topic, p.partition));
  }

  /**
   * Commits sought positions once the commits already under way have landed (none can then land
   * after and move a partition back). Rejects when the commit fails.
   */
  async commitSought(positions: readonly CommitPosition[]): Promise<void> {
    await Promise.allSettled([...this.commitsInFlight]);
    const consumer = this.consumer;
    if (!consumer) throw new Error('the consumer has not started');
    await consumer.commitOffsets(positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })));
    this.options.onCommitted(positions);
  }

  /** Commits positions; never rejects (a lost commit only means redelivery). */
  async commit(positions: readonly CommitPosition[]): Promise<void> {
    if (positions.length === 0 || !this.consumer) return;
    const committing = this.consumer.commitOffsets(
      positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })),
    );
    this.commitsInFlight.add(committing);
    try {
      await committing;
    } catch (error) {
      // At-least-once: an offset not committed only means these records come again after a restart.
      this.options.warn(`commit failed (records will be redelivered after a restart): ${errorMessage(error)}`);
      if (needsRejoin(error)) this.rejoinError = error;
      for (const p of positions) {
        const k = key(p.topic, p.partition);
        if ((this.pendingCommits.get(k)?.offset ?? -1) < p.offset) this.pendingCommits.set(k, p);
      }
      return;
    } finally {
      this.commitsInFlight.delete(committing);
    }
    for (const p of positions) {
      const k = key(p.topic, p.partition);
      if ((this.pendingCommits.get(k)?.offset ?? Number.POSITIVE_INFINITY) <= p.offset) this.pendingCommits.delete(k);
    }
    this.options.onCommitted(positions);
  }

  private create(): Consumer {
    const { kafka, groupId, batchingWindowMs } = this.options;
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: Math.min(MAX_FETCH_WAIT_MS, Math.max(MIN_FETCH_WAIT_MS, Math.round(batchingWindowMs / 4))),
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      sessionTimeout: SESSION_TIMEOUT_MS,
    });
    this.consumer = consumer;
    this.seeking.clear();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (consumer === this.consumer) this.onJoin(consumer, payload.memberAssignment);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // kafkajs calls eachBatch only for a batch with records to deliver. A fetch holding only
      // control records (or aborted ones) it resolves itself, never offering them: without a commit
      // past them a partition ending in a transaction marker would keep an offset lag of 1.
      // firstOffset is null for a fetch that returned nothing at or after the fetched offset.
      // A partition just sought may get a stale fetch from before the seek: nothing of it is skipped then.
      const { batchSize, firstOffset, lastOffset, topic, partition } = payload;
      if (consumer !== this.consumer || this.options.isStopping() || batchSize > 0 || firstOffset === null) return;
      if (this.seeking.has(key(topic, partition))) return;
      this.options.onSkipped(topic, partition, Number(lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer === this.consumer) this.onCrash(payload.error, payload.restart);
    });
    return consumer;
  }

  /** kafkajs throws when a consumer is not running (before run, after a crash): nothing to pause then. */
  private call(action: (consumer: Consumer) => void): void {
    if (!this.consumer) return;
    try {
      action(this.consumer);
    } catch {
      // Not running: a new consumer starts unpaused and the mapping is told so.
    }
  }

  private async onFetched(consumer: Consumer, { batch, resolveOffset, isStale }: EachBatchPayload): Promise<void> {
    if (this.options.isStopping() || consumer !== this.consumer) return; // left unresolved: not taken
    // Fetched before a seek of its partition: kafkajs fetches again from the sought offset.
    if (isStale()) return;
    this.seeking.delete(key(batch.topic, batch.partition));
    if (this.rejoinError !== undefined) {
      // A commit learnt that the group moved on without this member, and a heartbeat may not notice:
      // thrown from eachBatch, the error makes kafkajs rejoin (the batch is fetched again after).
      const error = this.rejoinError;
      this.rejoinError = undefined;
      throw error;
    }
    this.options.onMessages(batch.topic, batch.partition, batch.messages);
    const last = batch.messages[batch.messages.length - 1];
    // Resolving moves kafkajs's fetch position only; commits are ours (autoCommit is off).
    if (last) resolveOffset(last.offset);
  }

  private onJoin(consumer: Consumer, assignment: Record<string, number[]>): void {
    this.rejoinError = undefined;
    const owned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) owned.add(key(topic, p));
    this.owned = owned;
    for (const k of this.pendingCommits.keys()) if (!owned.has(k)) this.pendingCommits.delete(k);
    if (this.pendingCommits.size > 0) void this.commitPending();
    this.applyStartOffsets(consumer, assignment);
    this.options.onAssignment(owned);
  }

  /**
   * On the first join only: seeks the partitions the group never committed to the start offsets
   * resolved before start() returned, and commits them, so any later member starts there too.
   */
  private applyStartOffsets(consumer: Consumer, assignment: Record<string, number[]>): void {
    if (this.startOffsets.size === 0) return;
    const { topic } = this.options;
    const positions: CommitPosition[] = [];
    for (const partition of assignment[topic] ?? []) {
      const offset = this.startOffsets.get(partition);
      if (offset === undefined) continue;
      consumer.seek({ topic, partition, offset: String(offset) });
      positions.push({ topic, partition, offset });
    }
    this.startOffsets = new Map();
    void this.commit(positions);
  }

  /**
   * Commits again what a rebalance refused. kafkajs keeps its fetch position across the rejoin, so
   * without this a partition whose last batches were processed but not committed would stay behind
   * until a restart. A position the group has already passed (another member went further) is skipped.
   */
  private async commitPending(): Promise<void> {
    try {
      const committed = await this.options.fetchCommitted();
      const behind = [...this.pendingCommits].filter(([k, p]) => p.offset > (committed.get(k) ?? -1)).map(([, p]) => p);
      this.pendingCommits.clear();
      await this.commit(behind);
    } catch (error) {
      this.options.warn(`committing again after a rebalance failed: ${errorMessage(error)}`);
    }
  }

  private onCrash(error: Error, restartedByKafkajs: boolean): void {
    if (this.options.isStopping()) return;
    this.crashes++;
    if (restartedByKafkajs) {
      // A retriable error (a broker away, a timeout): kafkajs starts the consumer again itself, with
      // a new, unpaused consumer group. Not counted towards giving up: it recovers as the cause heals.
      this.restarts++;
      this.options.onRestart();
      this.options.warn(`consumer crashed (${error.message}); kafkajs restarts it`);
      return;
    }
    const now = Date.now();
    this.consecutiveCrashes = now - this.lastCrashAt > this.options.restart.stableAfterMs ? 1 : this.consecutiveCrashes + 1;
    this.lastCrashAt = now;
    if (this.consecutiveCrashes > this.options.restart.maxConsecutiveCrashes) {
      this.failure = `consumer crashed ${this.consecutiveCrashes} times in a row and was not restarted; last error: ${error.message}`;
      this.options.warn(`CONSUMER FAILED: ${this.failure}`);
      return;
    }
    const delay = backoffDelayMs(this.consecutiveCrashes, this.options.restart.backoff);
    this.options.warn(`consumer crashed (${error.message}); restarting it in ${delay} ms (crash ${this.consecutiveCrashes} in a row)`);
    void this.restartAfter(delay);
  }

  /** kafkajs has disconnected the crashed consumer; a new one joins the group in its place. */
  private async restartAfter(delayMs: number): Promise<void> {
    if (!(await this.options.wait(delayMs))) return;
    try {
      await this.consumer?.disconnect().catch(() => {});
      this.restarts++;
      this.options.onRestart();
      await this.start();
    } catch (error) {
      this.onCrash(error instanceof Error ? error : new Error(String(error)), false);
    }
  }
}
