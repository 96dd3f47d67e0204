/** What an event source mapping is configured with, and the checks it passes before anything connects. */

import type { Context } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import type { KafkaBatchResponse, MskEvent } from '../../src/kafka/msk-event.js';
import type { MappedStageDefinition } from '../../src/pipeline/definition.js';
import { PIPELINE_LIMITS, withinLimit } from '../../src/pipeline/pipeline-limits.js';
import { isTwinKafka } from '../kafka/twin-kafka.js';
import { EventSourceMappingConfigError } from './errors.js';
import type { ConsumerRestartPolicy } from './group-consumer.js';
import { errorHandlingFor, type FailureDestinationKind, type PollerMode } from './poller-mode.js';
import type { RetryBackoff } from './retry-policy.js';

// biome-ignore lint/suspicious/noConfusingVoidType: a handler written as an async function with no return value resolves to void
export type EsmHandler = (event: MskEvent, context: Context) => Promise<KafkaBatchResponse | void | null | undefined>;

export interface InvocationInfo {
  readonly functionName: string;
  readonly requestId: string;
  readonly records: number;
  /** "<topic>-<partition>" keys in the event. */
  readonly partitions: readonly string[];
  /** 1 for the first invocation of these records, then counting retries. */
  readonly attempt: number;
  readonly durationMs: number;
  readonly outcome: 'success' | 'partial-failure' | 'error';
  /** Why the invocation failed, when it did. */
  readonly error?: string;
}

export interface EventSourceMappingConfig {
  readonly stage: MappedStageDefinition;
  /** kafkajs instance from createTwinKafka (local/kafka/twin-kafka.ts): its consumers need the twin's patches. */
  readonly kafka: Kafka;
  /** Put in every event, as Lambda does. */
  readonly bootstrapServers: string;
  readonly functionName: string;
  readonly handler: EsmHandler;
  /**
   * How long the input topic keeps records (its retentionHours in the pipeline definition). In
   * on-demand mode a failing batch is retried until its records are older than this: expired.
   */
  readonly inputRetentionHours: number;
  /** The local topic standing in for the on-failure destination. */
  readonly failureTopic: string;
  /** Decides the error handling (poller-mode.ts). */
  readonly pollerMode: PollerMode;
  /** The destination's message format: `kafka` needs provisioned mode. */
  readonly failureDestination: FailureDestinationKind;
  /** @default pipeline.maxPayloadBytes (6 MB) */
  readonly maxPayloadBytes?: number;
  /** @default DEFAULT_EVENT_SOURCE_ARN; the event source is always "aws:kafka". */
  readonly eventSourceArn?: string;
  /** @default DEFAULT_RETRY_BACKOFF */
  readonly retryBackoff?: RetryBackoff;
  /** @default DEFAULT_CONSUMER_RESTART */
  readonly consumerRestart?: ConsumerRestartPolicy;
  /** Called after every invocation, for progress and metrics; must not throw. */
  readonly onInvocation?: (info: InvocationInfo) => void;
  /** Where problems the mapping recovers from are reported. @default one line on stderr */
  readonly onWarning?: (message: string) => void;
}

/** Throws EventSourceMappingConfigError naming the first invalid setting. */
export function validateMappingConfig(config: EventSourceMappingConfig): void {
  const fail = (message: string): never => {
    throw new EventSourceMappingConfigError(`event source mapping ${config.functionName || '(unnamed)'}: ${message}`);
  };
  const { stage } = config;
  if (!config.functionName) fail('functionName is empty');
  if (!config.failureTopic) fail('failureTopic is empty');
  if (config.failureTopic === stage.inputTopic) fail(`failureTopic must differ from the input topic "${stage.inputTopic}"`);
  if (!config.bootstrapServers) fail('bootstrapServers is empty');
  if (!isTwinKafka(config.kafka)) fail('kafka must come from createTwinKafka (local/kafka/twin-kafka.ts), which patches its consumers');
  for (const setting of ['batchSize', 'batchingWindowMs'] as const) {
    const { min, max } = PIPELINE_LIMITS[setting];
    if (!withinLimit(stage[setting], PIPELINE_LIMITS[setting]))
      fail(`${setting} must be an integer from ${min} to ${max}, got ${stage[setting]}`);
  }
  const maxPayload = config.maxPayloadBytes;
  if (maxPayload !== undefined && (!Number.isInteger(maxPayload) || maxPayload < 1)) {
    fail(`maxPayloadBytes must be a positive integer, got ${maxPayload}`);
  }
  const backoff = config.retryBackoff;
  if (backoff && !(backoff.initialMs >= 0 && backoff.maxMs >= backoff.initialMs)) {
    fail(`retryBackoff needs 0 <= initialMs <= maxMs, got ${JSON.stringify(backoff)}`);
  }
  const { maxRetryAttempts, maxRecordAgeSeconds } = stage.retry;
  if (!Number.isInteger(maxRetryAttempts) || maxRetryAttempts < -1 || maxRetryAttempts > 10_000) {
    fail(`maxRetryAttempts must be -1 or an integer from 0 to 10000, got ${maxRetryAttempts}`);
  }
  if (
    !Number.isInteger(maxRecordAgeSeconds) ||
    !(maxRecordAgeSeconds === -1 || (maxRecordAgeSeconds >= 60 && maxRecordAgeSeconds <= 604_800))
  ) {
    fail(`maxRecordAgeSeconds must be -1 or an integer from 60 to 604800, got ${maxRecordAgeSeconds}`);
  }
  if (!(stage.timeoutSeconds > 0)) fail(`timeoutSeconds must be positive, got ${stage.timeoutSeconds}`);
  if (stage.startingPosition === 'AT_TIMESTAMP') {
    const at = stage.startingPositionTimestamp;
    if (at === undefined || !Number.isFinite(at) || at < 0) fail(`AT_TIMESTAMP needs startingPositionTimestamp (epoch seconds), got ${at}`);
  } else if (stage.startingPositionTimestamp !== undefined) {
    fail(`startingPositionTimestamp applies only with AT_TIMESTAMP, not ${stage.startingPosition}`);
  }
  try {
    errorHandlingFor(config.pollerMode, stage.retry, config.failureDestination, config.inputRetentionHours);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
