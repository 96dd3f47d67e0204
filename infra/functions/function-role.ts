/**
 * Execution roles with scoped inline statements instead of the AWS managed Lambda policies.
 * AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole and AWSLambdaMSKExecutionRole all
 * grant CloudWatch Logs actions on "*"; these roles write only to their own log group, and keep
 * "*" only for the EC2 network interface actions Lambda performs for a VPC connection.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, NagFinding } from '../nag/nag-acknowledgements.js';

/**
 * What Lambda does with a function's role to attach it to the VPC, and with a Kafka event source
 * mapping's role to place its pollers in the cluster's subnets (the ec2 actions of
 * AWSLambdaVPCAccessExecutionRole and AWSLambdaMSKExecutionRole). The Describe actions support no
 * resource-level permissions.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcs',
] as const;

/** The managed policy ManagedKafkaEventSource attaches; its grants are added scoped instead. */
const MSK_EXECUTION_POLICY = 'AWSLambdaMSKExecutionRole';

export interface FunctionRoleProps {
  /** The only log group the role may write to. */
  readonly logGroup: logs.ILogGroup;
  /** Grant the VPC network interface actions. */
  readonly inVpc: boolean;
  readonly description?: string;
}

export class FunctionRole extends iam.Role {
  constructor(scope: Construct, id: string, props: FunctionRoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      ...(props.description ? { description: props.description } : {}),
    });
    // The log group exists (CloudFormation creates it), so logs:CreateLogGroup is not needed.
    // Its Arn attribute ends in ":*", which covers its log streams.
    this.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [props.logGroup.logGroupArn] }),
    );
    if (props.inVpc) {
      this.addToPolicy(new iam.PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] }));
      acknowledge(this, NagFinding.vpcNetworkInterfaces);
    }
  }

  /**
   * Refuses AWSLambdaMSKExecutionRole, which ManagedKafkaEventSource attaches unasked: the
   * consumer binding grants its Kafka actions on the cluster ARN and the role already has the ec2 ones.
   */
  override addManagedPolicy(policy: iam.IManagedPolicy): void {
    if (JSON.stringify(Stack.of(this).resolve(policy.managedPolicyArn)).includes(`/${MSK_EXECUTION_POLICY}`)) return;
    super.addManagedPolicy(policy);
  }
}
