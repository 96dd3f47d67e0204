/**
 * The MSK cluster, serverless or provisioned, behind one shape the rest of the stack uses: its
 * ARN, its security group, and the ARNs of its topics and consumer groups for scoped IAM.
 * Both kinds use IAM authentication over TLS (port 9098).
 */
import { ArnFormat, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import type { KafkaConfig } from '../../src/config/tributary-config.js';
import type { KafkaClusterTarget } from '../functions/function-targets.js';
import type { PipelineNetwork } from '../network/pipeline-network.js';
import { BootstrapBrokers } from './bootstrap-brokers.js';

/** The port brokers listen on for SASL/IAM over TLS. */
export const KAFKA_IAM_PORT = 9098;
/** Broker storage use, in percent, that storage autoscaling keeps the volumes under. */
export const STORAGE_TARGET_PERCENT = 60;

export interface KafkaClusterProps {
  readonly clusterName: string;
  readonly config: KafkaConfig;
  readonly network: PipelineNetwork;
  readonly logRetention: logs.RetentionDays;
}

export class KafkaCluster extends Construct implements KafkaClusterTarget {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly config: KafkaConfig;
  /** The IAM bootstrap brokers, `host:9098,...`, looked up at deploy time. */
  readonly bootstrapBrokers: string;
  /** The cluster's security group; the event source mapping pollers use it too. */
  readonly securityGroup: ec2.SecurityGroup;
  /** Customer managed key encrypting broker storage (provisioned only: MSK Serverless always uses an AWS owned key). */
  readonly storageKey?: kms.Key;
  /** Broker storage autoscaling (provisioned, with kafka.storageAutoscalingMaxGiB). */
  readonly storageScaling?: appscaling.ScalableTarget;
  private readonly clusterUuid: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const { config, network } = props;
    this.config = config;
    this.clusterName = props.clusterName;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `MSK cluster ${props.clusterName}: Kafka over IAM/TLS from the pipeline functions and mapping pollers`,
    });
    // The mapping pollers run with this same security group, so it must admit itself.
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'event source mapping pollers');
    this.securityGroup.addIngressRule(network.functionSecurityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'pipeline functions');
    network.functionSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'Kafka brokers');
    // In on-demand mode the pollers call Lambda and STS through the endpoints.
    network.allowEndpointsFrom(this.securityGroup, 'event source mapping pollers');

    const subnetIds = network.vpc.selectSubnets(network.privateSubnets).subnetIds;
    if (config.clusterType === 'serverless') {
      const cluster = new msk.CfnServerlessCluster(this, 'Resource', {
        clusterName: props.clusterName,
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds, securityGroups: [this.securityGroup.securityGroupId] }],
      });
      this.clusterArn = cluster.ref;
    } else {
      this.storageKey = new kms.Key(this, 'StorageKey', {
        description: `Encrypts the broker storage of MSK cluster ${props.clusterName}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const cluster = new msk.CfnCluster(this, 'Resource', {
        clusterName: props.clusterName,
        kafkaVersion: config.kafkaVersion,
        numberOfBrokerNodes: config.brokerCount,
        brokerNodeGroupInfo: {
          instanceType: config.brokerInstanceType,
          clientSubnets: subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
          storageInfo: { ebsStorageInfo: { volumeSize: config.brokerVolumeGiB } },
        },
        clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
        encryptionInfo: {
          encryptionAtRest: { dataVolumeKmsKeyId: this.storageKey.keyArn },
          encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        },
        loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
        // Per-topic metrics feed the dashboard's bytes in/out.
        enhancedMonitoring: 'PER_TOPIC_PER_BROKER',
      });
      this.clusterArn = cluster.ref;
      if (config.storageAutoscalingMaxGiB !== undefined) {
        this.storageScaling = this.scaleStorage(config.brokerVolumeGiB, config.storageAutoscalingMaxGiB);
      }
    }
    this.bootstrapBrokers = new BootstrapBrokers(this, 'BootstrapBrokers', {
      clusterArn: this.clusterArn,
      logRetention: props.logRetention,
    }).saslIam;
    // arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>
    this.clusterUuid = Fn.select(2, Fn.split('/', this.clusterArn));
  }

  /**
   * Grows each broker's EBS volume when storage use passes the target (MSK storage autoscaling:
   * Application Auto Scaling on kafka:broker-storage:VolumeSize). Scale-in is off: MSK cannot
   * shrink a volume.
   */
  private scaleStorage(minGiB: number, maxGiB: number): appscaling.ScalableTarget {
    const stack = Stack.of(this);
    const target = new appscaling.ScalableTarget(this, 'StorageScaling', {
      serviceNamespace: appscaling.ServiceNamespace.KAFKA,
      scalableDimension: 'kafka:broker-storage:VolumeSize',
      resourceId: this.clusterArn,
      minCapacity: minGiB,
      maxCapacity: maxGiB,
      // Application Auto Scaling acts on MSK through its service-linked role (created on first use).
      role: iam.Role.fromRoleArn(
        this,
        'StorageScalingRole',
        stack.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName: 'aws-service-role/kafka.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_KafkaCluster',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
        { mutable: false },
      ),
    });
    target.scaleToTrackMetric('StorageUtilization', {
      predefinedMetric: appscaling.PredefinedMetric.KAFKA_BROKER_STORAGE_UTILIZATION,
      targetValue: STORAGE_TARGET_PERCENT,
      disableScaleIn: true,
    });
    return target;
  }

  /** Whether topics can be AWS::MSK::Topic resources (provisioned clusters on Kafka 3.6 or later). */
  get supportsTopicResources(): boolean {
    if (this.config.clusterType !== 'provisioned') return false;
    const [major = 0, minor = 0] = this.config.kafkaVersion.split('.').map(Number);
    return major * 100 + minor >= 306;
  }

  /** ARN of a topic of this cluster, as IAM policies name it. */
  topicArn(topic: string): string {
    return this.dataPlaneArn('topic', topic);
  }

  /** ARN of a consumer group of this cluster, as IAM policies name it. */
  groupArn(groupId: string): string {
    return this.dataPlaneArn('group', groupId);
  }

  private dataPlaneArn(resource: 'topic' | 'group', name: string): string {
    return Stack.of(this).formatArn({
      service: 'kafka',
      resource,
      resourceName: `${this.clusterName}/${this.clusterUuid}/${name}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
