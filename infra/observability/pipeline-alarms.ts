/**
 * Alarms to an encrypted SNS topic: offset lag per mapping, errors per function, failed batches
 * (failure queue not empty, or records delivered to the failures topic), Aurora capacity.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { AlarmConfig } from '../config/tributary-config.js';
import { type ObservedPipeline, offsetLagMetric } from './observed-pipeline.js';

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
    // CloudWatch publishes alarm notifications to the encrypted topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: `${namePrefix} alarms`, masterKey: key, enforceSSL: true });
    if (config.email) this.topic.addSubscription(new subscriptions.EmailSubscription(config.email));
    const notify = new actions.SnsAction(this.topic);

    const add = (name: string, metric: cloudwatch.Metric, props: Omit<cloudwatch.CreateAlarmOptions, 'alarmName'>) => {
      const alarm = metric.createAlarm(this, name, {
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
        alarmDescription: `Mapping of ${stage} is more than ${config.offsetLagThreshold} records behind ${observed.pipeline.stages[stage].inputTopic} for 5 minutes`,
        threshold: config.offsetLagThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      });
    }
    for (const [name, fn] of observed.functions) {
      add(`${name}-errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
        alarmDescription: `Function ${name} raised at least ${config.functionErrorsThreshold} errors in 5 minutes`,
        threshold: config.functionErrorsThreshold,
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
        add(
          `${stage}-failed-records`,
          new cloudwatch.Metric({
            namespace: 'AWS/Lambda',
            metricName: 'OnFailureDestinationDeliveredEventCount',
            dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMappingId },
            statistic: 'Sum',
            period: Duration.minutes(1),
          }),
          {
            alarmDescription: `Records of ${stage} ran out of retries and went to ${observed.pipeline.topics.failures.name}`,
            threshold: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
          },
        );
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
