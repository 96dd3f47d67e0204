/** What the dashboard and the alarms look at, and the metrics they share. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { PipelineDefinition, StageName } from '../../src/pipeline/definition.js';
import type { ClusterType } from '../config/tributary-config.js';

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
  readonly clusterName: string;
  readonly clusterType: ClusterType;
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
