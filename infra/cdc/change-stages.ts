/**
 * The opt-in change-data-capture part of the stack: the catalogue and orders functions with one
 * event source mapping per change topic (from the pipeline definition), and MSK Connect with
 * Debezium feeding those topics. The IAM bootstrap brokers MSK Connect needs are read at deploy
 * time (CloudFormation does not return them for MSK clusters).
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { ChangeDataCaptureConfig } from '../../src/config/tributary-config.js';
import { CHANGE_STAGE_NAMES, type ChangeStageName, type PipelineDefinition } from '../../src/pipeline/definition.js';
import { type FunctionSettings, PipelineFunction } from '../functions/pipeline-function.js';
import { stageMappingProps } from '../functions/stage-mapping.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import type { PipelineNetwork } from '../network/pipeline-network.js';
import type { AnalyticsDatabase } from '../store/analytics-database.js';
import { ChangeDataCapture } from './change-data-capture.js';

export interface ChangeStagesProps {
  readonly pipeline: PipelineDefinition;
  readonly cluster: KafkaCluster;
  readonly network: PipelineNetwork;
  readonly database: AnalyticsDatabase;
  readonly dbUser: string;
  readonly settings: FunctionSettings;
  readonly onFailure: IEventSourceDlq;
  readonly config: ChangeDataCaptureConfig;
  readonly name: string;
  readonly logRetention: RetentionDays;
}

export class ChangeStages extends Construct {
  readonly functions = new Map<ChangeStageName, PipelineFunction>();
  readonly capture: ChangeDataCapture;

  constructor(scope: Construct, id: string, props: ChangeStagesProps) {
    super(scope, id);
    const { pipeline, cluster } = props;
    for (const consumer of CHANGE_STAGE_NAMES) {
      const stages = pipeline.changeCapture.stages.filter((s) => s.consumer === consumer);
      const first = stages[0];
      if (!first) continue;
      const fn = new PipelineFunction(this, `${consumer}Function`, {
        name: consumer,
        description: `${consumer}: apply shop changes (${stages.map((s) => s.table).join(', ')})`,
        settings: props.settings,
        memoryMb: first.memoryMb,
        timeout: Duration.seconds(first.timeoutSeconds),
      });
      fn.bindKafkaProducer(cluster, first.outputTopics);
      fn.bindStore(props.database, props.dbUser);
      for (const stage of stages) fn.bindKafkaConsumer(cluster, stageMappingProps(stage, { onFailure: props.onFailure }));
      this.functions.set(consumer, fn);
    }

    const brokers = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: cluster.clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(`${props.name}-bootstrap-brokers`),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [cluster.clusterArn] }),
      installLatestAwsSdk: false,
    });
    // The AwsCustomResource's function is a stack-wide singleton.
    const singleton = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (singleton) {
      Validations.of(singleton).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWS-maintained minimal policy that lets the function reading the bootstrap brokers write its own CloudWatch logs.',
      });
    }
    this.capture = new ChangeDataCapture(this, 'Debezium', {
      pipeline,
      cluster,
      network: props.network,
      config: props.config,
      bootstrapServers: brokers.getResponseField('BootstrapBrokerStringSaslIam'),
      name: props.name,
      logRetention: props.logRetention,
      settings: props.settings,
    });
  }
}
