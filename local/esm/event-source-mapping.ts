/**
 * An emulator of Lambda's Kafka event source mapping (lambda-kafka-esm.md): one kafkajs consumer
 * group per mapping feeding byte-identical MSK events to a handler, with Lambda's batching,
 * ordering, commit, retry, partial-batch-response and failure-destination rules.
 *
 * Flow: kafkajs hands each partition's fetched records to eachBatch, which only queues them and
 * returns, so fetching never waits on the function. A shared assembler takes records from every
 * partition that has no batch in flight; a closed batch marks its partitions busy until its
 * records are committed past, so each partition has at most one batch in flight while different
 * partitions progress in parallel. Partitions whose queue grows too long are paused.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord, MskEvent } from '../../src/kafka/msk-event.js';
import { type EventSourceInfo, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { type MappedStageDefinition, pipeline } from '../../src/pipeline/definition.js';
import { BatchAssembler, payloadBytesOf } from './batch-assembler.js';
import { interpretBatchResponse } from './batch-response.js';
import { type BatchContext, type CommitPosition, type InvocationAttempt, rejectOversizeRecord, runBatch } from './batch-runner.js';
import { EventSourceMappingConfigError, EventSourceMappingError, HandlerTimeoutError } from './errors.js';
import { sendToFailureDestination } from './failure-destination.js';
import { DEFAULT_EVENT_SOURCE_ARN, type FailedInvocation, functionArnFor } from './failure-envelope.js';
import { type EventSourceMappingConfig, type InvocationInfo, validateMappingConfig } from './mapping-config.js';
import { type EsmStats, StatsRecorder } from './mapping-stats.js';
import { PartitionQueue } from './partition-queue.js';
import { recordFromMessage } from './record-from-message.js';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './retry-policy.js';
import { installSingleFlightJoin } from './single-flight-join.js';

installSingleFlightJoin();

export type { FailureEnvelope } from './failure-envelope.js';
export type { EsmHandler, EventSourceMappingConfig, InvocationInfo } from './mapping-config.js';
export type { EsmStats } from './mapping-stats.js';
export type { RetryBackoff } from './retry-policy.js';

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
/**
 * A partition's fetching pauses when this many batches' worth of records, or of payload bytes,
 * wait for it; it resumes once less than one batch is left.
 */
const QUEUED_BATCHES_BEFORE_PAUSE = 4;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** kafkajs error types after which this member must join the group again (kafkajs rejoins when eachBatch throws one). */
const REJOIN_ERROR_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

function needsRejoin(error: unknown): boolean {
  return error instanceof Error && REJOIN_ERROR_TYPES.has((error as Error & { type?: string }).type ?? '');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Emulates one Lambda Kafka event source mapping: topic -> consumer group -> handler. */
export class EventSourceMapping {
  private readonly stage: MappedStageDefinition;
  private readonly source: EventSourceInfo;
  private readonly functionArn: string;
  private readonly backoff: RetryBackoff;
  private readonly timeoutMs: number;
  private readonly maxPayloadBytes: number;
  private readonly assembler: BatchAssembler;
  private readonly stats_ = new StatsRecorder();
  private readonly partitions = new Map<string, PartitionQueue>();
  private readonly batches = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();
  private readonly warn: (message: string) => void;
  private readonly context: BatchContext;
  private consumer: Consumer | undefined;
  private publisher: RecordPublisher | undefined;
  private admin: Promise<Admin> | undefined;
  private windowTimer: NodeJS.Timeout | undefined;
  private windowDeadline = 0;
  private fillScheduled = false;
  private cursor = 0;
  /** Set when a commit was refused because the group rebalanced without this member. */
  private rejoinError: unknown;
  /** Positions whose commit failed, by partition: committed again once the group is joined. */
  private readonly pendingCommits = new Map<string, CommitPosition>();
  private state: State = 'new';
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: EventSourceMappingConfig) {
    validateMappingConfig(config);
    this.stage = config.stage;
    this.source = {
      eventSource: 'aws:kafka',
      eventSourceArn: config.eventSourceArn ?? DEFAULT_EVENT_SOURCE_ARN,
      bootstrapServers: config.bootstrapServers,
    };
    this.functionArn = functionArnFor(config.functionName, this.source.eventSourceArn);
    this.backoff = config.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.timeoutMs = this.stage.timeoutSeconds * 1000;
    this.maxPayloadBytes = config.maxPayloadBytes ?? pipeline.maxPayloadBytes;
    this.assembler = new BatchAssembler(
      {
        batchSize: this.stage.batchSize,
        maxPayloadBytes: this.maxPayloadBytes,
        windowMs: this.stage.batchingWindowMs,
      },
      this.source,
    );
    this.warn = config.onWarning ?? ((message) => process.stderr.write(`[esm ${config.functionName}] ${message}\n`));
    this.context = {
      retry: this.stage.retry,
      backoff: this.backoff,
      invoke: (records, attempt) => this.invoke(records, attempt),
      sendToFailureDestination: (records, failure) => this.sendToFailureDestination(records, failure),
      commit: (positions) => this.commit(positions),
      wait: (ms) => this.wait(ms),
      isStopping: () => this.stopping,
      release: (keys) => this.release(keys),
      now: () => Date.now(),
    };
  }

  /** Joins the consumer group and starts delivering; resolves once the group is joined. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new EventSourceMappingError(`${this.config.functionName}: start() was already called`);
    this.state = 'starting';
    const { kafka, stage } = this.config;
    try {
      await this.checkTopicsExist();
    } catch (error) {
      await this.abandonStart();
      throw error;
    }
    const fetchWait = Math.min(MAX_FETCH_WAIT_MS, Math.max(MIN_FETCH_WAIT_MS, Math.round(stage.batchingWindowMs / 4)));
    const consumer = kafka.consumer({
      groupId: stage.consumerGroupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: fetchWait,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      sessionTimeout: SESSION_TIMEOUT_MS,
    });
    const publisher = createKafkaPublisher(kafka);
    this.consumer = consumer;
    this.publisher = publisher;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) => this.warn(`consumer crashed: ${payload.error.message}`));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [stage.inputTopic], fromBeginning: stage.startingPosition === 'TRIM_HORIZON' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.onFetched(payload),
      });
    } catch (error) {
      await this.abandonStart();
      throw new EventSourceMappingError(`${this.config.functionName}: cannot consume ${stage.inputTopic}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    // stop() may have been called while the group was being joined.
    if (this.state === 'starting') this.state = 'running';
  }

  /**
   * Stops fetching, lets running invocations finish and commits what they processed, then
   * disconnects. Queued records and batches waiting to retry are left uncommitted, so they are
   * delivered again on the next start.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  stats(): EsmStats {
    return this.stats_.snapshot();
  }

  /** Sum over partitions of high watermark minus committed offset (Lambda's OffsetLag). */
  async offsetLag(): Promise<number> {
    if (this.stopping) throw new EventSourceMappingError(`${this.config.functionName}: offsetLag() after stop()`);
    const admin = await this.connectAdmin();
    const topic = this.stage.inputTopic;
    const [watermarks, groupOffsets] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: this.stage.consumerGroupId, topics: [topic] }),
    ]);
    const committed = new Map<number, number>();
    for (const p of groupOffsets[0]?.partitions ?? []) committed.set(p.partition, Number(p.offset));
    let lag = 0;
    for (const w of watermarks) {
      const high = Number(w.high);
      const position = committed.get(w.partition) ?? -1;
      // With nothing committed, the group starts where its starting position says.
      const start = position >= 0 ? position : this.stage.startingPosition === 'LATEST' ? high : Number(w.low);
      lag += Math.max(0, high - start);
    }
    return lag;
  }

  /** After a failed start: releases every connection; the mapping stays stopped. */
  private async abandonStart(): Promise<void> {
    this.state = 'stopped';
    this.stopped = Promise.resolve();
    await Promise.allSettled([this.consumer?.disconnect(), this.publisher?.close(), this.admin?.then((admin) => admin.disconnect())]);
  }

  /**
   * Fails fast when a topic is missing. Listing all topics creates none, whereas subscribing to a
   * missing topic would make librdkafka's mock cluster create it with a default partition count.
   */
  private async checkTopicsExist(): Promise<void> {
    const existing = new Set(await (await this.connectAdmin()).listTopics());
    for (const [role, topic] of [
      ['input', this.stage.inputTopic],
      ['failure', this.config.failureTopic],
    ] as const) {
      if (!existing.has(topic)) {
        throw new EventSourceMappingConfigError(`${this.config.functionName}: ${role} topic "${topic}" does not exist`);
      }
    }
  }

  private connectAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.config.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw new EventSourceMappingError(`${this.config.functionName}: cannot reach the cluster: ${errorMessage(error)}`, {
        cause: error,
      });
    });
    return this.admin;
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.state === 'running' || this.state === 'starting';
    this.state = 'stopping';
    this.clearWindowTimer();
    for (const abort of this.waiters) abort();
    this.waiters.clear();
    if (wasStarted) {
      try {
        // Stop fetching at once; what is already queued is dropped below, uncommitted.
        this.consumer?.pause([{ topic: this.stage.inputTopic }]);
      } catch {
        // Not running yet: nothing is being fetched.
      }
    }
    while (this.batches.size > 0) await Promise.allSettled([...this.batches]);
    for (const queue of this.partitions.values()) queue.clear();
    await Promise.allSettled([this.consumer?.disconnect(), this.publisher?.close(), this.admin?.then((admin) => admin.disconnect())]);
    this.state = 'stopped';
  }

  // --- fetching -------------------------------------------------------------------------------

  private async onFetched({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.stopping) return; // left unresolved: not taken
    if (this.rejoinError !== undefined) {
      // A commit learnt that the group moved on without this member, and a heartbeat may not notice:
      // thrown from eachBatch, the error makes kafkajs rejoin (the batch is fetched again after).
      const error = this.rejoinError;
      this.rejoinError = undefined;
      throw error;
    }
    const queue = this.queueFor(batch.topic, batch.partition);
    const arrival = Date.now();
    let taken = 0;
    for (const message of batch.messages) {
      if (queue.push(recordFromMessage(batch.topic, batch.partition, message), arrival)) taken++;
    }
    const last = batch.messages[batch.messages.length - 1];
    // Resolving moves kafkajs's fetch position only; commits are ours (autoCommit is off).
    if (last) resolveOffset(last.offset);
    this.stats_.polled += taken;
    if (
      !queue.paused &&
      (queue.size >= QUEUED_BATCHES_BEFORE_PAUSE * this.stage.batchSize ||
        queue.bytes >= QUEUED_BATCHES_BEFORE_PAUSE * this.maxPayloadBytes)
    ) {
      queue.paused = true;
      this.consumer?.pause([{ topic: queue.topic, partitions: [queue.partition] }]);
    }
    this.fill();
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

  /** After a rebalance, forget partitions this consumer no longer owns (their new owner resumes from the commits). */
  private onAssignment(assignment: Record<string, number[]>): void {
    this.rejoinError = undefined;
    const owned = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) owned.add(`${topic}-${p}`);
    this.stats_.assignedPartitions = owned.size;
    for (const key of this.pendingCommits.keys()) if (!owned.has(key)) this.pendingCommits.delete(key);
    if (this.pendingCommits.size > 0) void this.commitPending();
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
        this.consumer?.resume([{ topic: queue.topic, partitions: [queue.partition] }]);
      }
      if (queue.busy) queue.revoked = true;
      else this.partitions.delete(key);
    }
  }

  // --- batching -------------------------------------------------------------------------------

  /** Moves queued records of free partitions into the open batch, closing it when it is full. */
  private fill(): void {
    if (this.stopping) return;
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
          this.dispatchOversize(queue, record);
        }
      }
      if (queue.paused && queue.size < this.stage.batchSize && queue.bytes < this.maxPayloadBytes) {
        queue.paused = false;
        this.consumer?.resume([{ topic: queue.topic, partitions: [queue.partition] }]);
      }
    }
    this.armWindowTimer(now);
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
    for (const key of batch.partitions) this.markBusy(key);
    this.track(runBatch(batch.records, this.context));
  }

  private dispatchOversize(queue: PartitionQueue, record: KafkaRecord): void {
    queue.busy = true;
    this.track(rejectOversizeRecord(record, payloadBytesOf([record], this.source), this.context));
  }

  private markBusy(key: string): void {
    const queue = this.partitions.get(key);
    if (queue) queue.busy = true;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      // A bug, not a Kafka or handler failure: keep the partitions held so nothing is committed past.
      this.warn(`batch processing failed unexpectedly, its partitions are held: ${errorMessage(error)}`);
    });
    this.batches.add(tracked);
    void tracked.finally(() => this.batches.delete(tracked));
  }

  private release(keys: readonly string[]): void {
    for (const key of keys) {
      const queue = this.partitions.get(key);
      if (!queue) continue;
      queue.busy = false;
      if (queue.revoked) this.partitions.delete(key);
    }
    this.scheduleFill();
  }

  // --- the batch context: invoking, committing, failure destination -----------------------------

  private async invoke(records: readonly KafkaRecord[], attempt: number): Promise<InvocationAttempt> {
    const requestId = randomUUID();
    const event = encodeMskEvent(records, this.source);
    const partitions = Object.keys(event.records);
    this.stats_.inFlight++;
    const started = performance.now();
    let response: unknown;
    let error: string | undefined;
    try {
      response = await this.callHandler(event);
    } catch (thrown) {
      error = errorMessage(thrown);
    }
    const durationMs = performance.now() - started;
    this.stats_.inFlight--;
    const outcome =
      error === undefined
        ? interpretBatchResponse(response, records, this.stage.retry.reportBatchItemFailures)
        : ({ kind: 'failed', reason: error } as const);
    this.stats_.invocations++;
    this.stats_.invokedRecords += records.length;
    this.stats_.recordDuration(durationMs);
    if (outcome.kind !== 'success') this.stats_.failedInvocations++;
    this.report({
      functionName: this.config.functionName,
      requestId,
      records: records.length,
      partitions,
      attempt,
      durationMs,
      outcome: outcome.kind === 'success' ? 'success' : outcome.kind === 'partial' ? 'partial-failure' : 'error',
      ...(outcome.kind === 'failed' ? { error: outcome.reason } : {}),
    });
    // The payload size only matters for failure envelopes; do not serialise every batch for it.
    const payloadBytes = outcome.kind === 'success' ? 0 : payloadBytesOf(records, this.source);
    return { outcome, requestId, payloadBytes };
  }

  /** The handler's result, or a rejection after the function timeout, as Lambda's "Task timed out". */
  private callHandler(event: MskEvent): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new HandlerTimeoutError(this.config.functionName, this.timeoutMs)), this.timeoutMs);
      Promise.resolve()
        .then(() => this.config.handler(event))
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  }

  private report(info: InvocationInfo): void {
    if (!this.config.onInvocation) return;
    try {
      this.config.onInvocation(info);
    } catch (error) {
      this.warn(`onInvocation threw: ${errorMessage(error)}`);
    }
  }

  /**
   * Commits again what a rebalance refused. kafkajs keeps its fetch position across the rejoin, so
   * without this a partition whose last batches were processed but not committed would stay behind
   * until a restart. A position the group has already passed (another member went further) is skipped.
   */
  private async commitPending(): Promise<void> {
    try {
      const admin = await this.connectAdmin();
      const topic = this.stage.inputTopic;
      const [offsets] = await admin.fetchOffsets({ groupId: this.stage.consumerGroupId, topics: [topic] });
      const committed = new Map((offsets?.partitions ?? []).map((p) => [`${topic}-${p.partition}`, Number(p.offset)]));
      const behind = [...this.pendingCommits].filter(([key, p]) => p.offset > (committed.get(key) ?? -1)).map(([, p]) => p);
      this.pendingCommits.clear();
      await this.commit(behind);
    } catch (error) {
      this.warn(`committing again after a rebalance failed: ${errorMessage(error)}`);
    }
  }

  private async commit(positions: readonly CommitPosition[]): Promise<void> {
    if (positions.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })));
    } catch (error) {
      // At-least-once: an offset not committed only means these records come again after a restart.
      this.warn(`commit failed (records will be redelivered after a restart): ${errorMessage(error)}`);
      if (needsRejoin(error)) this.rejoinError = error;
      for (const p of positions) {
        const key = `${p.topic}-${p.partition}`;
        if ((this.pendingCommits.get(key)?.offset ?? -1) < p.offset) this.pendingCommits.set(key, p);
      }
      return;
    }
    for (const p of positions) {
      const key = `${p.topic}-${p.partition}`;
      if ((this.pendingCommits.get(key)?.offset ?? Number.POSITIVE_INFINITY) <= p.offset) this.pendingCommits.delete(key);
      const queue = this.partitions.get(key);
      if (!queue) continue;
      const from = queue.committedPosition ?? p.offset;
      if (p.offset > from) this.stats_.committed += p.offset - from;
      queue.committedPosition = Math.max(from, p.offset);
    }
  }

  private async sendToFailureDestination(records: readonly KafkaRecord[], failure: FailedInvocation): Promise<boolean> {
    if (!this.publisher) return false;
    const stored = await sendToFailureDestination(this.publisher, records, failure, {
      topic: this.config.failureTopic,
      functionArn: this.functionArn,
      source: this.source,
      backoff: this.backoff,
      wait: (ms) => this.wait(ms),
      warn: this.warn,
    });
    if (stored) this.stats_.sentToFailureDestination += records.length;
    return stored;
  }

  private get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  private wait(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const abort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(abort);
        resolve(true);
      }, ms);
      this.waiters.add(abort);
    });
  }
}
