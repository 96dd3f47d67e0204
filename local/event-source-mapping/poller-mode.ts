/**
 * The error handling of a Kafka event source mapping in each poller mode (docs/lambda-kafka-esm.md
 * section 3 and its "behaviour x mode" table). Every rule the mapping applies after a failed
 * invocation is decided here, once, from the mode, the stage's retry policy and the kind of
 * failure destination.
 */
import type { RetryPolicy } from '../../src/pipeline/definition.js';
import { EventSourceMappingConfigError } from './errors.js';

export const POLLER_MODES = ['on-demand', 'provisioned'] as const;
/** On-demand (the AWS default) or provisioned pollers (MinimumPollers / MaximumPollers set). */
export type PollerMode = (typeof POLLER_MODES)[number];

export const FAILURE_DESTINATION_KINDS = ['sqs', 'kafka'] as const;
/**
 * The on-failure destination's message format: `sqs` (SQS, SNS: one message per failed batch,
 * offsets only) or `kafka` (a Kafka topic: one message per failed record, with the record).
 */
export type FailureDestinationKind = (typeof FAILURE_DESTINATION_KINDS)[number];

/** What the mapping does once an invocation failed. */
export interface ErrorHandling {
  readonly mode: PollerMode;
  /** Retries after the first attempt before the records go to the failure destination; UNLIMITED_RETRIES: no limit. */
  readonly maxRetries: number;
  /** -1: records never expire by age. */
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  /** Whether a batchItemFailures response is read; otherwise any response means success. */
  readonly reportBatchItemFailures: boolean;
  readonly destination: FailureDestinationKind;
}

/** `maxRetries` of a mapping that retries until the records succeed or expire. */
export const UNLIMITED_RETRIES = -1;

/**
 * Provisioned mode: "infinite" retries (-1) with an on-failure destination configured are capped
 * at 10 (the provisioned-mode error-handling pages, docs/lambda-kafka-esm.md section 3). Every
 * mapping of the twin has a destination.
 */
export const MAX_RETRIES_WITH_FAILURE_DESTINATION = 10;

/**
 * The error handling of a mapping in `mode` whose stage asks for `retry`, reading a topic that
 * keeps records `inputRetentionHours`.
 */
export function errorHandlingFor(
  mode: PollerMode,
  retry: RetryPolicy,
  destination: FailureDestinationKind,
  inputRetentionHours: number,
): ErrorHandling {
  if (!(Number.isFinite(inputRetentionHours) && inputRetentionHours > 0)) {
    throw new EventSourceMappingConfigError(`inputRetentionHours must be a positive number, got ${inputRetentionHours}`);
  }
  if (mode === 'on-demand') {
    // The Kafka destination is provisioned-mode only (section 3), as the config schema (src/config) refuses it too.
    if (destination === 'kafka') {
      throw new EventSourceMappingConfigError('a Kafka failure destination needs provisioned mode; on-demand mappings use sqs');
    }
    // On-demand mode has none of the error-handling controls: the MSK page says the whole batch is
    // retried until it succeeds or its records expire from the topic. The cap of 10 is documented
    // for provisioned mode only, so it is not applied here (UNDOCUMENTED whether AWS applies it).
    // Expiry is emulated as a record older than the topic's retention.
    return {
      mode,
      maxRetries: UNLIMITED_RETRIES,
      maxRecordAgeSeconds: Math.round(inputRetentionHours * 3600),
      bisectBatchOnError: false,
      reportBatchItemFailures: false,
      destination,
    };
  }
  return {
    mode,
    maxRetries: retry.maxRetryAttempts < 0 ? MAX_RETRIES_WITH_FAILURE_DESTINATION : retry.maxRetryAttempts,
    maxRecordAgeSeconds: retry.maxRecordAgeSeconds,
    bisectBatchOnError: retry.bisectBatchOnError,
    reportBatchItemFailures: retry.reportBatchItemFailures,
    destination,
  };
}

/** Parses a `--poller-mode` value; undefined when it is not a mode. */
export function parsePollerMode(text: string): PollerMode | undefined {
  return (POLLER_MODES as readonly string[]).includes(text) ? (text as PollerMode) : undefined;
}
