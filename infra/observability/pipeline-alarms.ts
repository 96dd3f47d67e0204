/**
 * Alarms to an encrypted SNS topic: offset lag per mapping (missing data alarms too: a mapping
 * that cannot reach the cluster reports nothing), a stalled pipeline (records into raw, none
 * stored), freshness p99, DLQ rate, errors per function, throttles, API 5xx, failed batches
 * (failure queue not empty, or records delivered to the failures topic), Aurora capacity. What
 * each alarm watches is in alarm-specs.ts.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type AlarmInputs, alarmSpecs } from './alarm-specs.js';

export interface PipelineAlarmsProps extends AlarmInputs {
  /** Prefix of alarm names. */
  readonly namePrefix: string;
}

export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const { config, namePrefix } = props;
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

    for (const { name, metric, options } of alarmSpecs(props)) {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        alarmName: `${namePrefix}-${name}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.alarms.push(alarm);
    }
  }
}
