/**
 * The messages Lambda writes to an on-failure destination (docs/lambda-kafka-esm.md section 3):
 * for a Kafka topic one per failed record, keyed with the record's key and carrying the record;
 * for SQS and SNS one per failed batch, naming the offsets of each partition, without the records.
 */

import { type KafkaRecord, type MskEvent, topicPartitionKey } from '../../src/kafka/msk-event.js';
import { type EventSourceInfo, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';

export const FailureCondition = {
  /** Kafka destination page's name for retries running out. */
  retriesExhausted: 'RetriesExhausted',
  /** SQS and SNS destination page's name for the same condition. */
  retryAttemptsExhausted: 'RetryAttemptsExhausted',
  maximumPayloadSizeExceeded: 'MaximumPayloadSizeExceeded',
} as const;
export type FailureCondition = (typeof FailureCondition)[keyof typeof FailureCondition];

export interface FailureEnvelope {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: FailureCondition;
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  /** When the record was given up, ISO 8601. */
  timestamp: string;
  KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn?: string;
    bootstrapServers: string;
    payloadSize: number;
    recordInfo: { offset: string; timestamp: string };
  };
  /** The record as a one-record event; absent only when the destination refused the full message. */
  payload?: MskEvent;
}

/** Offsets and times of one partition's records in a failed batch (strings, as Lambda writes them). */
export interface PartitionRecordsInfo {
  firstRecordOffset: string;
  lastRecordOffset: string;
  firstRecordTimestamp: string;
  lastRecordTimestamp: string;
}

/** The SQS / SNS destination message: one per failed batch, no payload. */
export interface BatchFailureEnvelope extends Omit<FailureEnvelope, 'KafkaBatchInfo' | 'payload'> {
  KafkaBatchInfo: Omit<FailureEnvelope['KafkaBatchInfo'], 'recordInfo'> & {
    /** Keyed "<topic>-<partition>". */
    recordsInfo: Record<string, PartitionRecordsInfo>;
  };
}

/** The invocation a record failed in. */
export interface FailedInvocation {
  /** Request id of the last invocation; a fresh one when the record was never invoked. */
  readonly requestId: string;
  readonly condition: FailureCondition;
  /** Invocations that held the record (0 when it was never invoked). */
  readonly approximateInvokeCount: number;
  /** Records in the failed invocation. */
  readonly batchSize: number;
  /** Bytes of the failed invocation's payload. */
  readonly payloadSize: number;
}

/** Region and account of the local twin's made-up ARNs (the LocalStack convention). */
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';

/** A plausible MSK cluster ARN for a local cluster. */
export const DEFAULT_EVENT_SOURCE_ARN = `arn:aws:kafka:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster/tributary-local/00000000-0000-0000-0000-000000000000-1`;

/** The function's ARN, in the region and account of the event source ARN when it has them. */
export function functionArnFor(functionName: string, eventSourceArn: string | undefined): string {
  const parts = eventSourceArn?.split(':') ?? [];
  const region = parts[3] || LOCAL_REGION;
  const account = parts[4] || LOCAL_ACCOUNT;
  return `arn:aws:lambda:${region}:${account}:function:${functionName}:$LATEST`;
}

/** Returns a copy with object keys sorted, as in the payloads Lambda writes to the destination. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

interface EnvelopeContext {
  functionArn: string;
  source: EventSourceInfo;
  now?: Date;
}

/**
 * The contexts of a failure. For MaximumPayloadSizeExceeded the function never ran, so the
 * response context carries 413 (request too large) and no function error: UNDOCUMENTED, our choice.
 */
function contextsOf(invocation: FailedInvocation, condition: FailureCondition, functionArn: string) {
  const invoked = invocation.condition !== FailureCondition.maximumPayloadSizeExceeded;
  return {
    requestContext: {
      requestId: invocation.requestId,
      functionArn,
      condition,
      approximateInvokeCount: invocation.approximateInvokeCount,
    },
    responseContext: invoked
      ? { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }
      : { statusCode: 413, executedVersion: '$LATEST' },
  };
}

/**
 * The SQS / SNS envelope for the failed records of one batch: first and last offset and timestamp
 * of each partition. Retries running out are named RetryAttemptsExhausted, as on the SQS page.
 */
export function buildBatchFailureEnvelope(
  records: readonly KafkaRecord[],
  invocation: FailedInvocation,
  context: EnvelopeContext,
): BatchFailureEnvelope {
  const condition =
    invocation.condition === FailureCondition.retriesExhausted ? FailureCondition.retryAttemptsExhausted : invocation.condition;
  const recordsInfo: Record<string, PartitionRecordsInfo> = {};
  for (const record of records) {
    const key = topicPartitionKey(record.topic, record.partition);
    const time = new Date(record.timestamp).toISOString();
    const info = recordsInfo[key];
    if (!info) {
      recordsInfo[key] = {
        firstRecordOffset: String(record.offset),
        lastRecordOffset: String(record.offset),
        firstRecordTimestamp: time,
        lastRecordTimestamp: time,
      };
    } else {
      info.lastRecordOffset = String(record.offset);
      info.lastRecordTimestamp = time;
    }
  }
  return {
    ...contextsOf(invocation, condition, context.functionArn),
    version: '1.0',
    timestamp: (context.now ?? new Date()).toISOString(),
    KafkaBatchInfo: {
      ...batchInfoOf(invocation, context),
      recordsInfo,
    },
  };
}

/** The KafkaBatchInfo fields both envelopes share. */
function batchInfoOf(invocation: FailedInvocation, context: EnvelopeContext) {
  return {
    batchSize: invocation.batchSize,
    ...(context.source.eventSourceArn !== undefined ? { eventSourceArn: context.source.eventSourceArn } : {}),
    bootstrapServers: context.source.bootstrapServers,
    payloadSize: invocation.payloadSize,
  };
}

/** The Kafka-destination envelope for one failed record. */
export function buildFailureEnvelope(record: KafkaRecord, invocation: FailedInvocation, context: EnvelopeContext): FailureEnvelope {
  return {
    ...contextsOf(invocation, invocation.condition, context.functionArn),
    version: '1.0',
    timestamp: (context.now ?? new Date()).toISOString(),
    KafkaBatchInfo: {
      ...batchInfoOf(invocation, context),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    payload: sortKeys(encodeMskEvent([record], context.source)) as MskEvent,
  };
}
