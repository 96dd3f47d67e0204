/**
 * One CloudWatch dashboard per pipeline: offset lag per mapping; MSK time and offset lag per
 * consumer group; invocations, errors, throttles, p99 duration and concurrency per function; MSK
 * bytes in/out; records in/out/invalid per stage; ingest-to-queryable latency; DLQ traffic and
 * failure-queue depth; API requests, errors and latency; the provisioned-mode mapping counts
 * (polled, filtered, failed invoke, dropped); broker CPU, disk and under-replicated partitions on
 * provisioned clusters; Aurora capacity, connections, CPU, memory and commit latency.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
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

export interface PipelineDashboardProps {
  readonly dashboardName: string;
  readonly observed: ObservedPipeline;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const ONE_MINUTE = Duration.minutes(1);
const WIDTH = 8;
const HEIGHT = 6;

export class PipelineDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const { observed } = props;
    const { pipeline, metricsNamespace: ns } = observed;
    const functions = [...observed.functions];
    const stageFunctions = STAGE_NAMES.flatMap((s) => {
      const fn = observed.stageFunctions.get(s);
      return fn ? [[s, fn] as const] : [];
    });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...extra });
    const perFunction = (title: string, make: (fn: (typeof functions)[number][1], name: string) => cloudwatch.IMetric) =>
      graph(
        title,
        functions.map(([name, fn]) => make(fn, name)),
      );

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Pipeline ${pipeline.name}\nraw → ingest → clean → enrich → enriched → sink → store. Business metrics: namespace \`${ns}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'OffsetLag per mapping (records behind)',
        stageFunctions.map(([stage, fn]) => offsetLagMetric(fn, `${stage} ← ${pipeline.stages[stage].inputTopic}`)),
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
    );
    this.dashboard.addWidgets(
      graph(
        'Records in per stage',
        stageFunctions.map(([stage]) => businessMetric(ns, BusinessMetric.recordsIn, stage)),
      ),
      graph(
        'Records out per stage',
        stageFunctions.map(([stage]) => businessMetric(ns, BusinessMetric.recordsOut, stage)),
      ),
      graph(
        'Records invalid (to DLQ) per stage',
        stageFunctions.map(([stage]) => businessMetric(ns, BusinessMetric.recordsInvalid, stage)),
      ),
    );
    this.dashboard.addWidgets(
      perFunction('Invocations', (fn, name) => fn.metricInvocations({ period: ONE_MINUTE, label: name })),
      perFunction('Errors', (fn, name) => fn.metricErrors({ period: ONE_MINUTE, label: name })),
      perFunction('Throttles', (fn, name) => fn.metricThrottles({ period: ONE_MINUTE, label: name })),
    );
    this.dashboard.addWidgets(
      perFunction('Duration p99 (ms)', (fn, name) => fn.metricDuration({ period: ONE_MINUTE, statistic: 'p99', label: name })),
      perFunction('Concurrent executions', (fn, name) =>
        fn.metric('ConcurrentExecutions', { period: ONE_MINUTE, statistic: 'Maximum', label: name }),
      ),
      graph(
        'DLQ traffic and failed batches',
        [
          kafkaTopicMetric(observed, 'MessagesInPerSec', `${pipeline.topics.dlq.name} messages/s`, pipeline.topics.dlq.name),
          ...(observed.failureQueue
            ? []
            : [
                kafkaTopicMetric(
                  observed,
                  'MessagesInPerSec',
                  `${pipeline.topics.failures.name} messages/s`,
                  pipeline.topics.failures.name,
                ),
              ]),
        ],
        observed.failureQueue
          ? {
              right: [
                observed.failureQueue.metricApproximateNumberOfMessagesVisible({
                  period: ONE_MINUTE,
                  statistic: 'Maximum',
                  label: 'failure queue depth',
                }),
              ],
            }
          : {},
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Aurora capacity (ACU) and utilisation (%)',
        [observed.database.metricServerlessDatabaseCapacity({ period: ONE_MINUTE, statistic: 'Maximum' })],
        {
          right: [observed.database.metric('ACUUtilization', { period: ONE_MINUTE, statistic: 'Maximum' })],
        },
      ),
      graph('Aurora connections', [observed.database.metricDatabaseConnections({ period: ONE_MINUTE, statistic: 'Maximum' })]),
      graph(
        'Aurora CPU (%) and freeable memory (bytes)',
        [observed.database.metricCPUUtilization({ period: ONE_MINUTE, statistic: 'Maximum' })],
        {
          right: [observed.database.metricFreeableMemory({ period: ONE_MINUTE, statistic: 'Minimum' })],
        },
      ),
    );
    this.dashboard.addWidgets(
      graph('Aurora commit latency (ms)', [observed.database.metric('CommitLatency', { period: ONE_MINUTE, statistic: 'Average' })]),
      graph(
        'MSK consumer time lag per group (s, estimated max)',
        stageFunctions.map(([stage]) => consumerLagMetric(observed, 'EstimatedMaxTimeLag', stage)),
      ),
      graph(
        'MSK consumer offset lag per group (max per partition)',
        stageFunctions.map(([stage]) => consumerLagMetric(observed, 'MaxOffsetLag', stage)),
      ),
    );
    const apis = [...observed.apis];
    this.dashboard.addWidgets(
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
    );
    const mappings = STAGE_NAMES.flatMap((s) => {
      const mapping = observed.mappings.get(s);
      return mapping ? [[s, mapping] as const] : [];
    });
    if (observed.mappingMetrics) {
      this.dashboard.addWidgets(
        ...MAPPING_EVENT_METRICS.map((metric) =>
          graph(
            `Mapping ${metric}`,
            mappings.map(([stage, mapping]) => mappingMetric(mapping, metric, stage)),
          ),
        ),
      );
    }
    const brokers = brokerIds(observed);
    if (brokers.length > 0) {
      this.dashboard.addWidgets(
        ...BROKER_HEALTH_METRICS.map(({ metric, title }) =>
          graph(
            title,
            brokers.map((id) => brokerMetric(observed, metric, id)),
          ),
        ),
      );
    }
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: HEIGHT }));
  }
}
