/**
 * One CloudWatch dashboard per pipeline: offset lag per mapping; invocations, errors, throttles,
 * p99 duration and concurrency per function; MSK bytes in/out; records in/out/invalid per stage;
 * ingest-to-queryable latency; DLQ traffic and failure-queue depth; Aurora capacity.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import { BusinessMetric, businessMetric } from './business-metrics.js';
import { kafkaTopicMetric, type ObservedPipeline, offsetLagMetric } from './observed-pipeline.js';

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
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: WIDTH, height: HEIGHT }),
    );
  }
}
