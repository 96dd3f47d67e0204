/** Event source mapping settings from a stage definition, without synthesizing a stack. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { batchingWindowSeconds, stageMappingProps } from '../../infra/functions/stage-mapping.js';
import { definePipeline } from '../../src/pipeline/definition.js';

describe('batchingWindowSeconds', () => {
  it('passes whole seconds through', () => {
    expect(batchingWindowSeconds(0)).toBe(0);
    expect(batchingWindowSeconds(1000)).toBe(1);
    expect(batchingWindowSeconds(300_000)).toBe(300);
  });

  it('takes the nearest window the mapping can express: whole seconds, or unset for 500 ms', () => {
    expect(batchingWindowSeconds(100)).toBe(0);
    expect(batchingWindowSeconds(249)).toBe(0);
    expect(batchingWindowSeconds(500)).toBeUndefined();
    expect(batchingWindowSeconds(700)).toBeUndefined();
    expect(batchingWindowSeconds(800)).toBe(1);
    expect(batchingWindowSeconds(2400)).toBe(2);
  });
});

describe('stageMappingProps', () => {
  const pipeline = definePipeline({ batchingWindowMs: 2000 });
  const stage = pipeline.stages.sink;
  const onFailure = new SqsDlq(new sqs.Queue(new Stack(new App(), 'S'), 'Q'));

  it('on demand: only the settings every mapping takes', () => {
    const props = stageMappingProps(stage, { onFailure });
    expect(props).toEqual({
      topic: stage.inputTopic,
      consumerGroupId: stage.consumerGroupId,
      batchSize: stage.batchSize,
      maxBatchingWindow: Duration.seconds(2),
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      onFailure,
    });
  });

  it('provisioned: adds the retry policy of the definition, the pollers and the mapping metrics', () => {
    const props = stageMappingProps(stage, { onFailure, provisioned: { minimumPollers: 1, maximumPollers: 3 } });
    expect(props).toMatchObject({
      provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 3 },
      retryAttempts: stage.retry.maxRetryAttempts,
      maxRecordAge: Duration.seconds(stage.retry.maxRecordAgeSeconds),
      bisectBatchOnError: stage.retry.bisectBatchOnError,
      reportBatchItemFailures: stage.retry.reportBatchItemFailures,
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS] },
    });
  });

  it('AT_TIMESTAMP: passes the start time in epoch seconds, as the twin reads it', () => {
    const atTime = { ...stage, startingPosition: 'AT_TIMESTAMP' as const, startingPositionTimestamp: 1_800_000_000 };
    expect(stageMappingProps(atTime, { onFailure })).toMatchObject({
      startingPosition: lambda.StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: 1_800_000_000,
    });
  });
});
