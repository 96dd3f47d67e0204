/**
 * The rows of the pipeline dashboard, one builder each. A row is the widgets of one
 * `addWidgets` call, in the order they appear.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import { BusinessMetric, businessMetric } from './business-metrics.js';
import {
  brokerIds,
  brokerMetric,
  consumerLagMetric,
  kafkaTopicMetric,
  mappingMetric,
  type ObservedPipeline,
  offsetLagMetric,
} from './observed-pipeline.js';

/** Event source mapping counts of provisioned mode (MetricsConfig EventCount), charted per mapping. */
export const MAPPING_EVENT_METRICS = ['PolledEventCount', 'FilteredOutEventCount', 'FailedInvokeEventCount', 'DroppedEventCount'] as const;
/** Broker health of a provisioned cluster, one widget each. */
export const BROKER_HEALTH_METRICS = [
  { metric: 'CpuUser', title: 'Broker CPU user (%)' },
  { metric: 'KafkaDataLogsDiskUsed', title: 'Broker data disk used (%)' },
  { metric: 'UnderReplicatedPartitions', title: 'Under-replicated partitions' },
] as const;

export type DashboardRow = cloudwatch.IWidget[];

const ONE_MINUTE = Duration.minutes(1);
const WIDTH = 8;
export const WIDGET_HEIGHT = 6;

const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
  new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: WIDGET_HEIGHT, ...extra });

/** The stage functions present, in pipeline order. */
const stageFunctionsOf = (observed: ObservedPipeline): (readonly [StageName, lambda.IFunction])[] =>
  STAGE_NAMES.flatMap((s) => {
    const fn = observed.stageFunctions.get(s);
    return fn ? [[s, fn] as const] : [];
  });

const stageGraph = (observed: ObservedPipeline, title: string, metric: (stage: StageName, fn: lambda.IFunction) => cloudwatch.IMetric) =>
  graph(
    title,
    stageFunctionsOf(observed).map(([stage, fn]) => metric(stage, fn)),
  );

const functionGraph = (observed: ObservedPipeline, title: string, metric: (fn: lambda.IFunction, name: string) => cloudwatch.IMetric) =>
  graph(
    title,
    [...observed.functions].map(([name, fn]) => metric(fn, name)),
  );

export function headerRow({ pipeline, metricsNamespace }: ObservedPipeline): DashboardRow {
  return [
    new cloudwatch.TextWidget({
      markdown: `# Pipeline ${pipeline.name}\nraw → ingest → clean → enrich → enriched → sink → store. Business metrics: namespace \`${metricsNamespace}\`.`,
      width: 24,
      height: 2,
    }),
  ];
}

export function flowRow(observed: ObservedPipeline): DashboardRow {
  const { pipeline, metricsNamespace: ns } = observed;
  return [
    stageGraph(observed, 'OffsetLag per mapping (records behind)', (stage, fn) =>
      offsetLagMetric(fn, `${stage} ← ${pipeline.stages[stage].inputTopic}`),
    ),
    graph('MSK bytes in/out per second', [
      kafkaTopicMetric(observed, 'BytesInPerSec', 'bytes in/s'),
      kafkaTopicMetric(observed, 'BytesOutPerSec', 'bytes out/s'),
    ]),
    graph('Ingest-to-queryable latency (ms)', [
      businessMetric(ns, BusinessMetric.ingestToQueryable, 'sink', 'p50').with({ label: 'p50' }),
      businessMetric(ns, BusinessMetric.ingestToQueryable, 'sink', 'p99').with({ label: 'p99' }),
      businessMetric(ns, BusinessMetric.ingestToQueryable, 'sink', 'Maximum').with({ label: 'max' }),
    ]),
  ];
}

export function recordsRow(observed: ObservedPipeline): DashboardRow {
  const ns = observed.metricsNamespace;
  return [
    stageGraph(observed, 'Records in per stage', (stage) => businessMetric(ns, BusinessMetric.recordsIn, stage)),
    stageGraph(observed, 'Records out per stage', (stage) => businessMetric(ns, BusinessMetric.recordsOut, stage)),
    stageGraph(observed, 'Records invalid (to DLQ) per stage', (stage) => businessMetric(ns, BusinessMetric.recordsInvalid, stage)),
  ];
}

export function functionHealthRow(observed: ObservedPipeline): DashboardRow {
  return [
    functionGraph(observed, 'Invocations', (fn, name) => fn.metricInvocations({ period: ONE_MINUTE, label: name })),
    functionGraph(observed, 'Errors', (fn, name) => fn.metricErrors({ period: ONE_MINUTE, label: name })),
    functionGraph(observed, 'Throttles', (fn, name) => fn.metricThrottles({ period: ONE_MINUTE, label: name })),
  ];
}

function failuresGraph(observed: ObservedPipeline): cloudwatch.GraphWidget {
  const { pipeline, failureQueue } = observed;
  const topicMessages = (topic: string) => kafkaTopicMetric(observed, 'MessagesInPerSec', `${topic} messages/s`, topic);
  return graph(
    'DLQ traffic and failed batches',
    [topicMessages(pipeline.topics.dlq.name), ...(failureQueue ? [] : [topicMessages(pipeline.topics.failures.name)])],
    failureQueue
      ? {
          right: [
            failureQueue.metricApproximateNumberOfMessagesVisible({
              period: ONE_MINUTE,
              statistic: 'Maximum',
              label: 'failure queue depth',
            }),
          ],
        }
      : {},
  );
}

export function functionLoadRow(observed: ObservedPipeline): DashboardRow {
  return [
    functionGraph(observed, 'Duration p99 (ms)', (fn, name) => fn.metricDuration({ period: ONE_MINUTE, statistic: 'p99', label: name })),
    functionGraph(observed, 'Concurrent executions', (fn, name) =>
      fn.metric('ConcurrentExecutions', { period: ONE_MINUTE, statistic: 'Maximum', label: name }),
    ),
    failuresGraph(observed),
  ];
}

export function auroraRow({ database }: ObservedPipeline): DashboardRow {
  return [
    graph(
      'Aurora capacity (ACU) and utilisation (%)',
      [database.metricServerlessDatabaseCapacity({ period: ONE_MINUTE, statistic: 'Maximum' })],
      {
        right: [database.metric('ACUUtilization', { period: ONE_MINUTE, statistic: 'Maximum' })],
      },
    ),
    graph('Aurora connections', [database.metricDatabaseConnections({ period: ONE_MINUTE, statistic: 'Maximum' })]),
    graph('Aurora CPU (%) and freeable memory (bytes)', [database.metricCPUUtilization({ period: ONE_MINUTE, statistic: 'Maximum' })], {
      right: [database.metricFreeableMemory({ period: ONE_MINUTE, statistic: 'Minimum' })],
    }),
  ];
}

export function consumerLagRow(observed: ObservedPipeline): DashboardRow {
  return [
    graph('Aurora commit latency (ms)', [observed.database.metric('CommitLatency', { period: ONE_MINUTE, statistic: 'Average' })]),
    stageGraph(observed, 'MSK consumer time lag per group (s, estimated max)', (stage) =>
      consumerLagMetric(observed, 'EstimatedMaxTimeLag', stage),
    ),
    stageGraph(observed, 'MSK consumer offset lag per group (max per partition)', (stage) =>
      consumerLagMetric(observed, 'MaxOffsetLag', stage),
    ),
  ];
}

export function apiRow(observed: ObservedPipeline): DashboardRow {
  const apis = [...observed.apis];
  return [
    graph(
      'API requests',
      apis.map(([name, api]) => api.metricCount({ period: ONE_MINUTE, statistic: 'Sum', label: name })),
    ),
    graph('API 4xx and 5xx', [
      ...apis.map(([name, api]) => api.metricClientError({ period: ONE_MINUTE, statistic: 'Sum', label: `${name} 4xx` })),
      ...apis.map(([name, api]) => api.metricServerError({ period: ONE_MINUTE, statistic: 'Sum', label: `${name} 5xx` })),
    ]),
    graph(
      'API latency p99 (ms)',
      apis.map(([name, api]) => api.metricLatency({ period: ONE_MINUTE, statistic: 'p99', label: name })),
    ),
  ];
}

/** Provisioned-mode mapping counts; no row when the mappings publish none. */
export function mappingRow(observed: ObservedPipeline): DashboardRow {
  if (!observed.mappingMetrics) return [];
  const mappings = STAGE_NAMES.flatMap((s) => {
    const mapping = observed.mappings.get(s);
    return mapping ? [[s, mapping] as const] : [];
  });
  return MAPPING_EVENT_METRICS.map((metric) =>
    graph(
      `Mapping ${metric}`,
      mappings.map(([stage, mapping]) => mappingMetric(mapping, metric, stage)),
    ),
  );
}

/** Broker health of a provisioned cluster; no row on MSK Serverless. */
export function brokerRow(observed: ObservedPipeline): DashboardRow {
  const brokers = brokerIds(observed);
  if (brokers.length === 0) return [];
  return BROKER_HEALTH_METRICS.map(({ metric, title }) =>
    graph(
      title,
      brokers.map((id) => brokerMetric(observed, metric, id)),
    ),
  );
}
