/**
 * The cluster's IAM bootstrap brokers (`BootstrapBrokerStringSaslIam`), looked up once per deploy
 * by a custom resource calling Kafka GetBootstrapBrokers from outside the VPC. Functions get the
 * string in KAFKA_BROKERS, so none calls the MSK API at cold start and the VPC needs no endpoint
 * for it. Works for serverless and provisioned clusters; CloudFormation creates this after the
 * cluster is ACTIVE, when the call succeeds.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { FunctionRole } from '../functions/function-role.js';

export interface BootstrapBrokersProps {
  readonly clusterArn: string;
  readonly logRetention: logs.RetentionDays;
}

/** The response field of GetBootstrapBrokers for SASL/IAM over TLS (port 9098). */
export const IAM_BROKERS_FIELD = 'BootstrapBrokerStringSaslIam';

export class BootstrapBrokers extends Construct {
  /** Comma-separated host:port list (a deploy-time token). */
  readonly saslIam: string;

  constructor(scope: Construct, id: string, props: BootstrapBrokersProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const call: cr.AwsSdkCall = {
      service: 'Kafka',
      action: 'GetBootstrapBrokers',
      parameters: { ClusterArn: props.clusterArn },
      // A new cluster (a new ARN) means an update, and a new lookup.
      physicalResourceId: cr.PhysicalResourceId.of(props.clusterArn),
      outputPaths: [IAM_BROKERS_FIELD],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['kafka:GetBootstrapBrokers'], resources: [props.clusterArn] }),
      ]),
      role: new FunctionRole(this, 'Role', { logGroup, inVpc: false, description: 'Looks up the MSK bootstrap brokers at deploy time' }),
      logGroup,
      // The runtime's AWS SDK has the Kafka client; installing the latest would need npm at deploy time.
      installLatestAwsSdk: false,
    });
    this.saslIam = lookup.getResponseField(IAM_BROKERS_FIELD);
  }
}
