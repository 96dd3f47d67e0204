/**
 * An emulator of Lambda's Kafka event source mapping (docs/lambda-kafka-esm.md): one kafkajs
 * consumer group per mapping feeding byte-identical MSK events to a handler, with Lambda's batching,
 * ordering and commit rules and the error handling of the configured poller mode.
 *
 * The parts, each with its own rules:
 * - GroupConsumer (group-consumer.ts): fetch, pause, rebalance, commit, crash restarts;
 * - BatchDispatcher (batch-dispatcher.ts): partition queues, the batching window, one batch in
 *   flight per partition;
 * - runBatch (batch-runner.ts) with the mode's ErrorHandling (poller-mode.ts): retries, bisect,
 *   partial batch responses, failure destination;
 * - FunctionInvoker (function-invoker.ts): the event, the timeout, the invocation counters.
 * This class wires them together and owns the mapping's life: start, stop, offset lag.
 */
import type { Admin } from 'kafkajs';
import { memoiseUntilFailure } from '../../src/async/memoise-until-failure.js';
import { createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { EventSourceInfo } from '../../src/kafka/msk-event-codec.js';
import { type MappedStageDefinition, pipeline } from '../../src/pipeline/definition.js';
import { BatchDispatcher } from './batch-dispatcher.js';
import { type BatchContext, rejectOversizeRecord, runBatch } from './batch-runner.js';
import { EventSourceMappingConfigError, EventSourceMappingError, errorMessage } from './errors.js';
import { sendToFailureDestination } from './failure-destination.js';
import { DEFAULT_EVENT_SOURCE_ARN, type FailedInvocation, functionArnFor } from './failure-envelope.js';
import { FunctionInvoker } from './function-invoker.js';
import { DEFAULT_CONSUMER_RESTART, GroupConsumer } from './group-consumer.js';
import { type EventSourceMappingConfig, validateMappingConfig } from './mapping-config.js';
import { type EsmStats, StatsRecorder } from './mapping-stats.js';
import { type ErrorHandling, errorHandlingFor } from './poller-mode.js';
import { recordFromMessage } from './record-from-message.js';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './retry-policy.js';
import { planStart, type StartPlan, TimestampStart } from './starting-position.js';

export type { FailureEnvelope } from './failure-envelope.js';
export type { ConsumerRestartPolicy } from './group-consumer.js';
export type { EsmHandler, EventSourceMappingConfig, InvocationInfo } from './mapping-config.js';
export type { EsmStats } from './mapping-stats.js';
export type { FailureDestinationKind, PollerMode } from './poller-mode.js';
export type { RetryBackoff } from './retry-policy.js';

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Emulates one Lambda Kafka event source mapping: topic -> consumer group -> handler. */
export class EventSourceMapping {
  /** The error handling this mapping applies, from its poller mode. */
  readonly rules: ErrorHandling;
  private readonly stage: MappedStageDefinition;
  private readonly source: EventSourceInfo;
  private readonly functionArn: string;
  private readonly backoff: RetryBackoff;
  private readonly stats_ = new StatsRecorder();
  private readonly waiters = new Set<() => void>();
  private readonly warn: (message: string) => void;
  private readonly invoker: FunctionInvoker;
  private readonly dispatcher: BatchDispatcher;
  private readonly context: BatchContext;
  private group: GroupConsumer | undefined;
  private timestampStart: TimestampStart | undefined;
  private publisher: RecordPublisher | undefined;
  // Shared by the lag and offset reads; a failed connect is tried again by the next read.
  private readonly admin = memoiseUntilFailure(() => this.connectAdmin());
  private state: State = 'new';
  private stopped: Promise<void> | undefined;

  constructor(private readonly config: EventSourceMappingConfig) {
    validateMappingConfig(config);
    this.stage = config.stage;
    this.rules = errorHandlingFor(config.pollerMode, config.stage.retry, config.failureDestination, config.inputRetentionHours);
    this.source = {
      eventSource: 'aws:kafka',
      eventSourceArn: config.eventSourceArn ?? DEFAULT_EVENT_SOURCE_ARN,
      bootstrapServers: config.bootstrapServers,
    };
    this.functionArn = functionArnFor(config.functionName, this.source.eventSourceArn);
    this.backoff = config.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.warn = config.onWarning ?? ((message) => process.stderr.write(`[esm ${config.functionName}] ${message}\n`));
    this.invoker = new FunctionInvoker({
      functionName: config.functionName,
      functionArn: this.functionArn,
      memoryMb: this.stage.memoryMb,
      handler: config.handler,
      timeoutMs: this.stage.timeoutSeconds * 1000,
      source: this.source,
      reportBatchItemFailures: this.rules.reportBatchItemFailures,
      stats: this.stats_,
      onInvocation: config.onInvocation,
      warn: this.warn,
    });
    this.context = {
      rules: this.rules,
      backoff: this.backoff,
      invoke: (records, attempt) => this.invoker.invoke(records, attempt),
      sendToFailureDestination: (records, failure) => this.sendToFailureDestination(records, failure),
      commit: (positions) => this.group?.commit(this.dispatcher.commitsAdmitted(positions)) ?? Promise.resolve(),
      wait: (ms) => this.wait(ms),
      settle: (work) => this.settle(work),
      isStopping: () => this.stopping,
      release: (keys) => this.dispatcher.release(keys),
      now: () => Date.now(),
    };
    this.dispatcher = new BatchDispatcher({
      batchSize: this.stage.batchSize,
      batchingWindowMs: this.stage.batchingWindowMs,
      maxPayloadBytes: config.maxPayloadBytes ?? pipeline.maxPayloadBytes,
      source: this.source,
      runBatch: (records) => runBatch(records, this.context),
      rejectOversize: (record, bytes) => rejectOversizeRecord(record, bytes, this.context),
      commit: (positions) => this.group?.commit(positions) ?? Promise.resolve(),
      pause: (topic, partition) => this.group?.pause(topic, partition),
      resume: (topic, partition) => this.group?.resume(topic, partition),
      isStopping: () => this.stopping,
      warn: this.warn,
    });
  }

  /** Joins the consumer group and starts delivering; resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new EventSourceMappingError(`${this.config.functionName}: start() was already called`);
    this.state = 'starting';
    const { kafka, stage } = this.config;
    let plan: StartPlan;
    try {
      await this.checkTopicsExist();
      plan = await planStart(await this.connectAdmin(), stage);
    } catch (error) {
      await this.abandonStart();
      if (error instanceof EventSourceMappingError) throw error;
      throw new EventSourceMappingError(`${this.config.functionName}: cannot read the start offsets: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    this.publisher = createKafkaPublisher(kafka);
    const timestampStart = plan.skipBefore && new TimestampStart(plan.skipBefore.partitions, plan.skipBefore.timestampMs);
    this.timestampStart = timestampStart;
    const group = new GroupConsumer({
      kafka,
      groupId: stage.consumerGroupId,
      topic: stage.inputTopic,
      batchingWindowMs: stage.batchingWindowMs,
      startOffsets: plan.seek,
      restart: this.config.consumerRestart ?? DEFAULT_CONSUMER_RESTART,
      onMessages: (topic, partition, messages) => {
        const records = messages.map((m) => recordFromMessage(topic, partition, m));
        if (!timestampStart) return this.dispatcher.enqueue(topic, partition, records, Date.now());
        const { deliver, skippedUpTo } = timestampStart.filter(partition, records);
        // Nothing of the partition is queued or in flight before its first delivered record.
        if (skippedUpTo !== undefined) void group.commit([{ topic, partition, offset: skippedUpTo }]);
        this.dispatcher.enqueue(topic, partition, deliver, Date.now());
      },
      onSkipped: (topic, partition, nextOffset) => this.dispatcher.skipTo(topic, partition, nextOffset),
      onAssignment: (owned) => {
        this.stats_.assignedPartitions = owned.size;
        this.dispatcher.onAssignment(owned);
      },
      onRestart: () => this.dispatcher.forgetPauses(),
      onCommitted: (positions) => this.dispatcher.onCommitted(positions),
      fetchCommitted: () => this.fetchCommitted(),
      wait: (ms) => this.wait(ms),
      isStopping: () => this.stopping,
      warn: this.warn,
    });
    this.group = group;
    try {
      await group.start();
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

  /**
   * Moves the mapping's consumer group to `offsets` (partition -> next offset to read) without a
   * rejoin, as kafka-consumer-groups --reset-offsets does for a stopped group. Records queued or in
   * the open batch for these partitions are dropped; a batch already being invoked finishes but
   * commits nothing; the new offsets are committed, and the next batch of each partition starts at
   * its new offset (records after it are delivered again: at-least-once).
   */
  async seek(offsets: ReadonlyMap<number, number>): Promise<void> {
    const group = this.group;
    if (this.state !== 'running' || !group) throw new EventSourceMappingError(`${this.config.functionName}: seek() while not running`);
    const topic = this.stage.inputTopic;
    const positions = [...offsets].map(([partition, offset]) => ({ topic, partition, offset }));
    // One synchronous step: no fetched batch can be queued between kafkajs's seek and the dispatcher's.
    group.seek(positions);
    for (const p of positions) {
      this.dispatcher.seek(topic, p.partition, p.offset);
      this.timestampStart?.forget(p.partition);
    }
    await group.commitSought(positions);
  }

  stats(): EsmStats {
    const health = this.group?.health();
    return this.stats_.snapshot({
      polled: this.dispatcher.polled,
      committed: this.dispatcher.committed,
      consumerCrashes: health?.crashes ?? 0,
      consumerRestarts: health?.restarts ?? 0,
      ...(health?.failure !== undefined ? { consumerFailure: health.failure } : {}),
    });
  }

  /** Sum over partitions of high watermark minus committed offset (Lambda's OffsetLag). */
  async offsetLag(): Promise<number> {
    if (this.stopping) throw new EventSourceMappingError(`${this.config.functionName}: offsetLag() after stop()`);
    const admin = await this.admin.get();
    const [watermarks, committed] = await Promise.all([admin.fetchTopicOffsets(this.stage.inputTopic), this.fetchCommitted()]);
    let lag = 0;
    for (const w of watermarks) {
      const high = Number(w.high);
      const position = committed.get(`${this.stage.inputTopic}-${w.partition}`) ?? -1;
      // With nothing committed, the group starts where its starting position says.
      const start = position >= 0 ? position : this.stage.startingPosition === 'LATEST' ? high : Number(w.low);
      lag += Math.max(0, high - start);
    }
    return lag;
  }

  /** The group's committed offset per "<topic>-<partition>" (-1 where none). */
  private async fetchCommitted(): Promise<Map<string, number>> {
    const admin = await this.admin.get();
    const topic = this.stage.inputTopic;
    const [offsets] = await admin.fetchOffsets({ groupId: this.stage.consumerGroupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map((p) => [`${topic}-${p.partition}`, Number(p.offset)]));
  }

  private async releaseConnections(): Promise<void> {
    await Promise.allSettled([this.group?.stop(), this.publisher?.close(), this.admin.current?.then((admin) => admin.disconnect())]);
  }

  /** After a failed start: releases every connection; the mapping stays stopped. */
  private async abandonStart(): Promise<void> {
    this.state = 'stopped';
    this.stopped = Promise.resolve();
    await this.releaseConnections();
  }

  /**
   * Fails fast when a topic is missing. Listing all topics creates none, whereas subscribing to a
   * missing topic would make librdkafka's mock cluster create it with a default partition count.
   */
  private async checkTopicsExist(): Promise<void> {
    const existing = new Set(await (await this.admin.get()).listTopics());
    for (const [role, topic] of [
      ['input', this.stage.inputTopic],
      ['failure', this.config.failureTopic],
    ] as const) {
      if (!existing.has(topic)) {
        throw new EventSourceMappingConfigError(`${this.config.functionName}: ${role} topic "${topic}" does not exist`);
      }
    }
  }

  private async connectAdmin(): Promise<Admin> {
    try {
      const admin = this.config.kafka.admin();
      await admin.connect();
      return admin;
    } catch (error) {
      throw new EventSourceMappingError(`${this.config.functionName}: cannot reach the cluster: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.state === 'running' || this.state === 'starting';
    this.state = 'stopping';
    for (const abort of this.waiters) abort();
    this.waiters.clear();
    // Stop fetching at once; what is already queued is dropped, uncommitted.
    if (wasStarted) this.group?.pauseAll();
    await this.dispatcher.stop();
    await this.releaseConnections();
    this.state = 'stopped';
  }

  private async sendToFailureDestination(records: readonly KafkaRecord[], failure: FailedInvocation): Promise<boolean> {
    if (!this.publisher) return false;
    const stored = await sendToFailureDestination(this.publisher, records, failure, {
      kind: this.rules.destination,
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

  /** Resolves true after `ms`, or false as soon as the mapping stops. */
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

  /** Resolves true once `work` settles, or false as soon as the mapping stops. */
  private settle(work: Promise<unknown>): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const abort = (): void => resolve(false);
      this.waiters.add(abort);
      void work
        .catch(() => {})
        .then(() => {
          this.waiters.delete(abort);
          resolve(true);
        });
    });
  }
}
