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

export const NagFinding = {
  vpcNetworkInterfaces: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only the ec2 network interface actions Lambda performs for a function in the VPC and for a Kafka mapping\'s pollers (create, describe, delete, assign and unassign private IPs; describe subnets, security groups, VPCs) are granted on "*": the Describe actions support no resource-level permissions. Logs go to the function\'s own log group only.',
  },
  providerInvokesItsFunction: {
    // The finding names the function's logical id; see acknowledgeProviderFramework().
    id: 'AwsSolutions-IAM5[Resource::<onEvent function>.Arn>:*]',
    reason:
      'The CDK custom resource provider framework may invoke any version of its own onEvent function; the wildcard covers versions of that one function.',
  },
  masterSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Aurora master secret is read only by the deploy-time migration custom resource; the functions authenticate with short-lived IAM tokens and hold no password.',
  },
  shopSourceMasterSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      "The new shop source's master secret is read only by the deploy-time custom resource that applies the shop schema and creates the replication user; the connector logs in with the replication user's own secret.",
  },
  connectorSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The connector receives these credentials at deploy time; rotating them would break it until the next deploy. Use an existing database with a rotated replication user (cdc.sourceSecretArn) and a config provider where rotation is required.',
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

/** Acknowledges what a CDK provider framework's role raises: the invoke wildcard on its own onEvent function. */
export function acknowledgeProviderFramework(frameworkRole: IConstruct, onEvent: lambda.IFunction): void {
  const logicalId = Stack.of(onEvent).getLogicalId(onEvent.node.defaultChild as CfnElement);
  acknowledge(frameworkRole, NagFinding.providerInvokesItsFunction, `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`);
}
