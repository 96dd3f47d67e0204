/**
 * Every cdk-nag AwsSolutions finding this stack accepts, with its reason, in one place. Each is
 * acknowledged on the construct that raises it, never stack-wide. docs/aws.md lists them; a test
 * checks that it does.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

export interface NagAcknowledgement {
  /** cdk-nag finding id, `RuleId` or `RuleId[Finding]`. */
  readonly id: string;
  readonly reason: string;
}

const managedPolicy = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`;

export const NagFinding = {
  lambdaBasicExecutionRole: {
    id: managedPolicy('AWSLambdaBasicExecutionRole'),
    reason:
      'AWS-maintained minimal policy that lets a function write its own CloudWatch logs (CreateLogGroup, CreateLogStream, PutLogEvents).',
  },
  lambdaVpcAccessExecutionRole: {
    id: managedPolicy('AWSLambdaVPCAccessExecutionRole'),
    reason:
      'Required by every function in the VPC: Lambda manages the function\'s network interfaces with ec2 actions that IAM only grants on "*".',
  },
  lambdaMskExecutionRole: {
    id: managedPolicy('AWSLambdaMSKExecutionRole'),
    reason:
      "Attached by ManagedKafkaEventSource for the mapping's control-plane calls (network interfaces, kafka:Describe*, GetBootstrapBrokers); the data-plane kafka-cluster actions are granted separately, scoped to the cluster, topic and group ARNs.",
  },
  providerInvokesItsFunction: {
    // The finding names the function's logical id; see providerInvokeFinding().
    id: 'AwsSolutions-IAM5[Resource::<onEvent function>.Arn>:*]',
    reason:
      'The CDK custom resource provider framework may invoke any version of its own onEvent function; the wildcard covers versions of that one function.',
  },
  masterSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Aurora master secret is read only by the deploy-time migration custom resource; the functions authenticate with short-lived IAM tokens and hold no password.',
  },
  deletionProtectionOff: {
    id: 'AwsSolutions-RDS10',
    reason:
      'Raised only when database.deletionProtection is set to false, for environments meant to be destroyed; deletion protection is on by default.',
  },
  failureQueueHasNoDlq: {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the failure destination (dead-letter queue) of the event source mappings.',
  },
  accessLogBucketHasNoAccessLogs: {
    id: 'AwsSolutions-S1',
    reason:
      'This bucket receives the server access logs of the archive bucket; logging it to itself or to another bucket would loop or only move the finding.',
  },
  archiveDeliveryWildcards: {
    // The finding names the bucket's logical id and the prefix: see TopicArchive.
    id: 'AwsSolutions-IAM5[Resource::<archive bucket>.Arn>/<role>/*]',
    reason:
      "A Firehose stream writes objects of its own names under its topic's prefixes of the archive bucket (raw/* and errors/raw/*, or enriched/* and errors/enriched/*); the wildcard is those object names.",
  },
  mskSourceStreamEncryption: {
    id: 'AwsSolutions-KDF1',
    reason:
      'Server-side encryption of the delivery stream (DeliveryStreamEncryptionConfigurationInput) applies to Direct PUT streams; an MSK-sourced stream reads the encrypted cluster over TLS and writes to an SSE-S3 bucket.',
  },
} as const satisfies Record<string, NagAcknowledgement>;

/** Acknowledges a finding on the construct that raises it. */
export function acknowledge(scope: IConstruct, finding: NagAcknowledgement, id = finding.id): void {
  Validations.of(scope).acknowledge({ id, reason: finding.reason });
}

/** Acknowledges what a CDK provider framework raises: its managed logging policy and invoke wildcard. */
export function acknowledgeProviderFramework(provider: IConstruct, onEvent: lambda.IFunction): void {
  acknowledge(provider, NagFinding.lambdaBasicExecutionRole);
  const logicalId = Stack.of(onEvent).getLogicalId(onEvent.node.defaultChild as CfnElement);
  acknowledge(provider, NagFinding.providerInvokesItsFunction, `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`);
}
