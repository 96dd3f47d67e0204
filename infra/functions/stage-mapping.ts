/**
 * Event source mapping settings of a stage, taken from the pipeline definition: topic, consumer
 * group, batch size, batching window, starting position, failure destination, and in provisioned
 * mode the retry policy, pollers and mapping metrics.
 */
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ManagedKafkaEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { MappedStageDefinition } from '../../src/pipeline/definition.js';

export interface ProvisionedPollers {
  readonly minimumPollers?: number;
  readonly maximumPollers?: number;
}

export interface StageMappingOptions {
  readonly onFailure: lambda.IEventSourceDlq;
  /** Provisioned mode when set; on-demand otherwise. @default - on-demand */
  readonly provisioned?: ProvisionedPollers;
}

/**
 * The mapping's MaximumBatchingWindowInSeconds for a window in milliseconds. The API takes whole
 * seconds, or nothing for Kafka's 500 ms default, so a window in between gets the nearest of
 * those; undefined means "leave at 500 ms".
 */
export function batchingWindowSeconds(ms: number): number | undefined {
  if (ms % 1000 === 0) return ms / 1000;
  const candidates: (number | undefined)[] = [Math.floor(ms / 1000), undefined, Math.ceil(ms / 1000)];
  const windowMs = (c: number | undefined) => (c === undefined ? 500 : c * 1000);
  let best = candidates[0];
  for (const c of candidates) if (Math.abs(windowMs(c) - ms) < Math.abs(windowMs(best) - ms)) best = c;
  return best;
}

/** ManagedKafkaEventSource properties (without the cluster) for a stage. */
export function stageMappingProps(
  stage: MappedStageDefinition,
  options: StageMappingOptions,
): Omit<ManagedKafkaEventSourceProps, 'clusterArn'> & { consumerGroupId: string } {
  const windowSeconds = batchingWindowSeconds(stage.batchingWindowMs);
  const base = {
    topic: stage.inputTopic,
    consumerGroupId: stage.consumerGroupId,
    batchSize: stage.batchSize,
    ...(windowSeconds !== undefined ? { maxBatchingWindow: Duration.seconds(windowSeconds) } : {}),
    startingPosition: lambda.StartingPosition[stage.startingPosition],
    ...(stage.startingPositionTimestamp !== undefined ? { startingPositionTimestamp: stage.startingPositionTimestamp } : {}),
    onFailure: options.onFailure,
  };
  if (!options.provisioned) return base;
  const { retry } = stage;
  return {
    ...base,
    provisionedPollerConfig: options.provisioned,
    retryAttempts: retry.maxRetryAttempts,
    ...(retry.maxRecordAgeSeconds !== -1 ? { maxRecordAge: Duration.seconds(retry.maxRecordAgeSeconds) } : {}),
    bisectBatchOnError: retry.bisectBatchOnError,
    reportBatchItemFailures: retry.reportBatchItemFailures,
    metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS] },
  };
}
