/**
 * The error handling of each poller mode, the destination formats, and the mode the twin takes
 * from cdk.json (the same reader as the CDK app).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../local/cli-error.js';
import { parseStartOptions } from '../../local/commands/start-options.js';
import { sendToFailureDestination } from '../../local/event-source-mapping/failure-destination.js';
import { buildBatchFailureEnvelope, type FailedInvocation, FailureCondition } from '../../local/event-source-mapping/failure-envelope.js';
import { errorHandlingFor, MAX_RETRIES_WITH_FAILURE_DESTINATION, UNLIMITED_RETRIES } from '../../local/event-source-mapping/poller-mode.js';
import { readDeploymentMode } from '../../local/twin/deployment-mode.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord, OutputRecord } from '../../src/kafka/msk-event.js';
import { pipeline } from '../../src/pipeline/definition.js';

const record = (partition: number, offset: number, timestamp: number): KafkaRecord => ({
  topic: 'orders',
  partition,
  offset,
  timestamp,
  timestampType: 'CREATE_TIME',
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(`v${offset}`),
  headers: [],
});
const failure: FailedInvocation = {
  requestId: 'req-1',
  condition: FailureCondition.retriesExhausted,
  approximateInvokeCount: 11,
  batchSize: 3,
  payloadSize: 900,
};
const source = {
  eventSource: 'aws:kafka' as const,
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/1',
  bootstrapServers: 'b:9092',
};

/** A publisher that keeps what it is given. */
function keepingPublisher(): RecordPublisher & { sent: OutputRecord[] } {
  const sent: OutputRecord[] = [];
  return {
    sent,
    async publish(records) {
      sent.push(...records);
    },
    async close() {},
  };
}

describe('error handling per poller mode', () => {
  const stageRetry = pipeline.stages.sink.retry;

  const retentionHours = pipeline.topics.enriched.retentionHours;

  it("on-demand: whole-batch retries without limit until the records outlive the topic's retention, no bisect, no partial responses", () => {
    expect(errorHandlingFor('on-demand', stageRetry, 'sqs', retentionHours)).toEqual({
      mode: 'on-demand',
      maxRetries: UNLIMITED_RETRIES,
      maxRecordAgeSeconds: retentionHours * 3600,
      bisectBatchOnError: false,
      reportBatchItemFailures: false,
      destination: 'sqs',
    });
  });

  it('provisioned: the stage retry policy, as the CDK stack sets it on the mapping, -1 retries capped at 10', () => {
    expect(errorHandlingFor('provisioned', stageRetry, 'kafka', retentionHours)).toEqual({
      mode: 'provisioned',
      maxRetries: stageRetry.maxRetryAttempts,
      maxRecordAgeSeconds: stageRetry.maxRecordAgeSeconds,
      bisectBatchOnError: stageRetry.bisectBatchOnError,
      reportBatchItemFailures: stageRetry.reportBatchItemFailures,
      destination: 'kafka',
    });
    expect(errorHandlingFor('provisioned', { ...stageRetry, maxRetryAttempts: -1 }, 'sqs', retentionHours).maxRetries).toBe(
      MAX_RETRIES_WITH_FAILURE_DESTINATION,
    );
  });

  it('refuses a retention that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => errorHandlingFor('on-demand', stageRetry, 'sqs', bad)).toThrow(
        `inputRetentionHours must be a positive number, got ${bad}`,
      );
    }
  });
});

describe('failure destination format per kind', () => {
  const records = [record(0, 5, 1_700_000_000_000), record(0, 6, 1_700_000_001_000), record(2, 9, 1_700_000_002_000)];
  const options = {
    topic: 'failures',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
    source,
    backoff: { initialMs: 1, maxMs: 1 },
    wait: async () => true,
    warn: () => {},
  };

  it('sqs (on-demand, or provisioned with an SQS destination): one message per batch, offsets per partition, no payload', async () => {
    const publisher = keepingPublisher();
    expect(await sendToFailureDestination(publisher, records, failure, { ...options, kind: 'sqs' })).toBe(true);
    expect(publisher.sent).toHaveLength(1);
    const envelope = JSON.parse(String(publisher.sent[0]?.value));
    expect(envelope).not.toHaveProperty('payload');
    expect(envelope.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(envelope.KafkaBatchInfo.recordsInfo).toEqual({
      'orders-0': {
        firstRecordOffset: '5',
        lastRecordOffset: '6',
        firstRecordTimestamp: '2023-11-14T22:13:20.000Z',
        lastRecordTimestamp: '2023-11-14T22:13:21.000Z',
      },
      'orders-2': {
        firstRecordOffset: '9',
        lastRecordOffset: '9',
        firstRecordTimestamp: '2023-11-14T22:13:22.000Z',
        lastRecordTimestamp: '2023-11-14T22:13:22.000Z',
      },
    });
  });

  it('kafka (provisioned only): one message per record, keyed with its key, carrying the record', async () => {
    const publisher = keepingPublisher();
    await sendToFailureDestination(publisher, records, failure, { ...options, kind: 'kafka' });
    expect(publisher.sent.map((m) => String(m.key))).toEqual(['k5', 'k6', 'k9']);
    const envelope = JSON.parse(String(publisher.sent[2]?.value));
    expect(envelope.requestContext.condition).toBe('RetriesExhausted');
    expect(envelope.KafkaBatchInfo.recordInfo.offset).toBe('9');
    expect(Object.keys(envelope.payload.records)).toEqual(['orders-2']);
  });

  it('keeps MaximumPayloadSizeExceeded as it is in the batch envelope', () => {
    const envelope = buildBatchFailureEnvelope(
      [records[0] as KafkaRecord],
      { ...failure, condition: FailureCondition.maximumPayloadSizeExceeded, approximateInvokeCount: 0 },
      { functionArn: options.functionArn, source },
    );
    expect(envelope.requestContext.condition).toBe('MaximumPayloadSizeExceeded');
    expect(envelope.responseContext).toEqual({ statusCode: 413, executedVersion: '$LATEST' });
  });
});

describe('the twin takes its mode from cdk.json', () => {
  it('dev is on-demand with the SQS format, prod provisioned, as the stack deploys them', () => {
    expect(readDeploymentMode('dev')).toEqual({ environment: 'dev', pollerMode: 'on-demand', failureDestination: 'sqs' });
    expect(readDeploymentMode('prod')).toEqual({ environment: 'prod', pollerMode: 'provisioned', failureDestination: 'sqs' });
  });

  it('--poller-mode overrides the environment', () => {
    expect(readDeploymentMode('prod', 'on-demand').pollerMode).toBe('on-demand');
    expect(readDeploymentMode('dev', 'provisioned').pollerMode).toBe('provisioned');
  });

  it('follows a provisioned environment with a Kafka destination, and refuses an invalid one naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cdk-'));
    const file = join(dir, 'cdk.json');
    writeFileSync(
      file,
      JSON.stringify({
        context: {
          environments: {
            staging: { eventSource: { maxPollers: 4, failureDestination: 'kafka' } },
            broken: { eventSource: { failureDestination: 'kafka' } },
          },
        },
      }),
    );
    expect(readDeploymentMode('staging', undefined, file)).toMatchObject({ pollerMode: 'provisioned', failureDestination: 'kafka' });
    // On-demand has no Kafka destination: the override falls back to the SQS format.
    expect(readDeploymentMode('staging', 'on-demand', file).failureDestination).toBe('sqs');
    expect(() => readDeploymentMode('broken', undefined, file)).toThrow(CliUsageError);
    expect(() => readDeploymentMode('broken', undefined, file)).toThrow(/eventSource.failureDestination/);
  });

  it('parses --poller-mode and names the flag when it is wrong', () => {
    expect(parseStartOptions({ pollerMode: 'provisioned' }).pollerMode).toBe('provisioned');
    expect(parseStartOptions({}).pollerMode).toBeUndefined();
    expect(() => parseStartOptions({ pollerMode: 'fast' })).toThrow('--poller-mode must be one of on-demand, provisioned, got "fast"');
  });
});
