/**
 * Alarms to an encrypted SNS topic: offset lag per mapping (missing data alarms too: a mapping
 * that cannot reach the cluster reports nothing), a stalled pipeline (records into raw, none
 * stored), freshness p99, DLQ rate, errors per function, throttles, API 5xx, failed batches
 * (failure queue not empty, or records delivered to the failures topic), Aurora capacity.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { AlarmConfig } from '../config/tributary-config.js';
import { BusinessMetric, businessMetric } from './business-metrics.js';
import { mappingMetric, type ObservedPipeline, offsetLagMetric, topicMessagesInMetric } from './observed-pipeline.js';

/** Metrics one metric math alarm may use (a CloudWatch limit). */
const METRICS_PER_ALARM = 10;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface PipelineAlarmsProps {
  readonly observed: ObservedPipeline;
  readonly config: AlarmConfig;
  /** Aurora's maximum capacity (ACU). */
  readonly databaseMaxCapacity: number;
  /** Prefix of alarm names. */
  readonly namePrefix: string;
}

export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const { observed, config, namePrefix } = props;
    const key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${namePrefix}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic; only on behalf of this account.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: `${namePrefix} alarms`, masterKey: key, enforceSSL: true });
    if (config.email) this.topic.addSubscription(new subscriptions.EmailSubscription(config.email));
    const notify = new actions.SnsAction(this.topic);

    const add = (name: string, metric: cloudwatch.IMetric, props: Omit<cloudwatch.CreateAlarmOptions, 'alarmName'>) => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        alarmName: `${namePrefix}-${name}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.alarms.push(alarm);
    };

    for (const stage of STAGE_NAMES) {
      const fn = observed.stageFunctions.get(stage);
      if (!fn) continue;
      add(`${stage}-offset-lag`, offsetLagMetric(fn), {
        alarmDescription: `Mapping of ${stage} is more than ${config.offsetLagThreshold} records behind ${observed.pipeline.stages[stage].inputTopic} for 5 minutes, or reports no OffsetLag at all (it cannot reach the cluster: authentication, network)`,
        threshold: config.offsetLagThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }

    const ns = observed.metricsNamespace;
    const rawTopic = observed.pipeline.topics.raw.name;
    add(
      'pipeline-stalled',
      new cloudwatch.MathExpression({
        expression: 'IF(FILL(rawIn, 0) > 0 AND FILL(stored, 0) == 0, 1, 0)',
        usingMetrics: {
          rawIn: topicMessagesInMetric(observed, rawTopic),
          stored: businessMetric(ns, BusinessMetric.recordsOut, 'sink'),
        },
        label: 'records into raw, none stored',
        period: Duration.minutes(1),
      }),
      {
        alarmDescription: `Records entered ${rawTopic} every minute for ${config.stalledMinutes} minutes and the sink stored none`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: config.stalledMinutes,
      },
    );
    add('freshness-p99', businessMetric(ns, BusinessMetric.ingestToQueryable, 'sink', 'p99'), {
      alarmDescription: `Ingest-to-queryable latency p99 above ${config.freshnessP99Ms} ms for 5 minutes`,
      threshold: config.freshnessP99Ms,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
    });
    const invalid = Object.fromEntries(
      STAGE_NAMES.map((stage) => [`${stage}Invalid`, businessMetric(ns, BusinessMetric.recordsInvalid, stage, 'Sum', Duration.minutes(5))]),
    );
    add(
      'dlq-rate',
      new cloudwatch.MathExpression({
        expression: Object.keys(invalid)
          .map((id) => `FILL(${id}, 0)`)
          .join(' + '),
        usingMetrics: invalid,
        label: 'records to the DLQ per 5 minutes',
        period: Duration.minutes(5),
      }),
      {
        alarmDescription: `The stages sent more than ${config.dlqRecordsPerMinute} records a minute to ${observed.pipeline.topics.dlq.name} over 5 minutes`,
        threshold: config.dlqRecordsPerMinute * 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      },
    );
    for (const [name, fn] of observed.functions) {
      add(`${name}-errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
        alarmDescription: `Function ${name} raised at least ${config.functionErrorsThreshold} errors in 5 minutes`,
        threshold: config.functionErrorsThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    const functions = [...observed.functions];
    for (const [i, group] of chunks(functions, METRICS_PER_ALARM).entries()) {
      const usingMetrics = Object.fromEntries(
        group.map(([, fn], j) => [`t${j}`, fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' })]),
      );
      add(
        i === 0 ? 'throttles' : `throttles-${i + 1}`,
        new cloudwatch.MathExpression({
          expression: Object.keys(usingMetrics)
            .map((id) => `FILL(${id}, 0)`)
            .join(' + '),
          usingMetrics,
          label: 'throttled invocations',
          period: Duration.minutes(5),
        }),
        {
          alarmDescription: `Lambda throttled an invocation of ${group.map(([name]) => name).join(', ')} in 5 minutes (concurrency limit)`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
    }
    for (const [name, api] of observed.apis) {
      add(`${name}-api-5xx`, api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }), {
        alarmDescription: `The ${name} API answered 5xx in the last 5 minutes (function error or timeout, or Kafka/store unreachable)`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    if (observed.failureQueue) {
      add(
        'failure-queue-not-empty',
        observed.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        {
          alarmDescription: 'A batch ran out of retries: its description is in the failure queue',
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
    } else {
      for (const [stage, mapping] of observed.mappings) {
        add(`${stage}-failed-records`, mappingMetric(mapping, 'OnFailureDestinationDeliveredEventCount'), {
          alarmDescription: `Records of ${stage} ran out of retries and went to ${observed.pipeline.topics.failures.name}`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
        });
      }
    }
    add('aurora-capacity', observed.database.metric('ACUUtilization', { period: Duration.minutes(5), statistic: 'Maximum' }), {
      alarmDescription: `Aurora uses at least ${config.auroraCapacityPercent}% of its ${props.databaseMaxCapacity} ACU maximum`,
      threshold: config.auroraCapacityPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
    });
  }
}
