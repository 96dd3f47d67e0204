/** What the dashboard and the alarms look at, and the metrics they share. */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { ClusterType } from '../../src/config/tributary-config.js';
import type { PipelineDefinition, StageName } from '../../src/pipeline/definition.js';

export interface ObservedPipeline {
  readonly pipeline: PipelineDefinition;
  /** POWERTOOLS_METRICS_NAMESPACE of the functions. */
  readonly metricsNamespace: string;
  /** Kafka-triggered functions, one per stage. */
  readonly stageFunctions: ReadonlyMap<StageName, lambda.IFunction>;
  /** Each stage's event source mapping. */
  readonly mappings: ReadonlyMap<StageName, ManagedKafkaEventSource>;
  /** Every function to chart (stages and APIs), by short name. */
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  /** The HTTP APIs, by short name (ingest, query). */
  readonly apis: ReadonlyMap<string, apigw.IHttpApi>;
  readonly clusterName: string;
  readonly clusterType: ClusterType;
  /** Provisioned clusters: brokers are numbered 1..brokerCount ("Broker ID"). */
  readonly brokerCount?: number;
  /** Provisioned-mode mappings publish the event count metrics (MetricsConfig). */
  readonly mappingMetrics: boolean;
  /** The mappings' failure destination when it is SQS. */
  readonly failureQueue?: sqs.IQueue;
  readonly database: rds.DatabaseCluster;
}

const ONE_MINUTE = Duration.minutes(1);

/** OffsetLag of a stage's mapping: records its consumer group is behind the topic. */
export function offsetLagMetric(fn: lambda.IFunction, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName: 'OffsetLag',
    dimensionsMap: { FunctionName: fn.functionName },
    statistic: 'Maximum',
    period: ONE_MINUTE,
    ...(label ? { label } : {}),
  });
}

/** A topic-level MSK metric summed over the cluster's brokers and topics (optionally one topic). */
export function kafkaTopicMetric(observed: ObservedPipeline, metricName: string, label: string, topic?: string): cloudwatch.MathExpression {
  // Serverless reports per topic; provisioned (PER_TOPIC_PER_BROKER) per broker and topic.
  const schema =
    observed.clusterType === 'serverless' ? '{AWS/Kafka,"Cluster Name",Topic}' : '{AWS/Kafka,"Broker ID","Cluster Name",Topic}';
  const topicFilter = topic ? ` Topic="${topic}"` : '';
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('${schema} MetricName="${metricName}" "Cluster Name"="${observed.clusterName}"${topicFilter}', 'Average', 60))`,
    label,
    period: ONE_MINUTE,
  });
}

/** An MSK consumer lag metric of a stage's consumer group on its input topic (AWS/Kafka, per group and topic). */
export function consumerLagMetric(
  observed: ObservedPipeline,
  metricName: 'EstimatedMaxTimeLag' | 'MaxOffsetLag' | 'SumOffsetLag',
  stage: StageName,
): cloudwatch.Metric {
  const definition = observed.pipeline.stages[stage];
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap: { 'Cluster Name': observed.clusterName, 'Consumer Group': definition.consumerGroupId, Topic: definition.inputTopic },
    statistic: 'Maximum',
    period: ONE_MINUTE,
    label: stage,
  });
}

/** Broker ids of a provisioned cluster (MSK numbers them from 1); none for serverless. */
export function brokerIds(observed: ObservedPipeline): number[] {
  return Array.from({ length: observed.brokerCount ?? 0 }, (_, i) => i + 1);
}

/** A per-broker MSK metric of a provisioned cluster. */
export function brokerMetric(observed: ObservedPipeline, metricName: string, brokerId: number, statistic = 'Maximum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap: { 'Cluster Name': observed.clusterName, 'Broker ID': String(brokerId) },
    statistic,
    period: ONE_MINUTE,
    label: `broker ${brokerId}`,
  });
}

/**
 * Messages per second into one topic as a metric an alarm can use (alarms take no SEARCH):
 * serverless reports per topic; provisioned (PER_TOPIC_PER_BROKER) per broker, summed here.
 */
export function topicMessagesInMetric(observed: ObservedPipeline, topic: string): cloudwatch.IMetric {
  const metric = (extra: Record<string, string>) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Kafka',
      metricName: 'MessagesInPerSec',
      dimensionsMap: { 'Cluster Name': observed.clusterName, Topic: topic, ...extra },
      statistic: 'Average',
      period: ONE_MINUTE,
    });
  const ids = brokerIds(observed);
  if (ids.length === 0) return metric({});
  const usingMetrics = Object.fromEntries(ids.map((id) => [`b${id}`, metric({ 'Broker ID': String(id) })]));
  return new cloudwatch.MathExpression({
    expression: ids.map((id) => `FILL(b${id}, 0)`).join(' + '),
    usingMetrics,
    label: `${topic} messages/s`,
    period: ONE_MINUTE,
  });
}

/** A metric of a provisioned-mode event source mapping (MetricsConfig), by mapping UUID. */
export function mappingMetric(mapping: ManagedKafkaEventSource, metricName: string, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMappingId },
    statistic: 'Sum',
    period: ONE_MINUTE,
    ...(label ? { label } : {}),
  });
}
