/**
 * The VPC: private subnets across availability zones, flow logs, and the way out to AWS APIs
 * that the functions and the event source mappings need (docs/lambda-kafka-esm.md section 5):
 * interface endpoints for Lambda, STS, Secrets Manager and, with an SQS failure destination, SQS;
 * or NAT gateways.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NetworkConfig } from '../../src/config/tributary-config.js';
import type { FunctionNetwork } from '../functions/function-targets.js';

export interface PipelineNetworkProps {
  readonly config: NetworkConfig;
  /**
   * The mappings send failed batches to an SQS queue: their pollers, in the cluster's subnets and
   * security group, reach SQS through an interface endpoint (the Lambda guide's Kafka on-failure
   * destination and MSK network pages ask for one when there is no NAT).
   */
  readonly sqsEndpoint: boolean;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Interface endpoints the private subnets need when there is no NAT. None for MSK's API: the
 * brokers are looked up at deploy time, outside the VPC (kafka/bootstrap-brokers.ts).
 */
const ENDPOINT_SERVICES = {
  // The on-demand event source mapping pollers call Lambda and STS from the cluster's subnets.
  Lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
  Sts: ec2.InterfaceVpcEndpointAwsService.STS,
  // The migration custom resource reads the database's master secret.
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
} as const;

export class PipelineNetwork extends Construct implements FunctionNetwork {
  readonly vpc: ec2.Vpc;
  /** The subnets every function, the cluster and the database live in. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Shared by the pipeline's functions; egress only to what they are granted. */
  readonly functionSecurityGroup: ec2.SecurityGroup;
  /** Interface endpoints (none with NAT egress). */
  readonly endpoints: ec2.InterfaceVpcEndpoint[] = [];

  constructor(scope: Construct, id: string, props: PipelineNetworkProps) {
    super(scope, id);
    const { config } = props;
    const nat = config.egress === 'nat';
    const subnetGroupName = 'private';

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      ...(config.availabilityZones ? { availabilityZones: [...config.availabilityZones] } : { maxAzs: config.maxAzs }),
      natGateways: nat ? config.natGateways : 0,
      subnetConfiguration: nat
        ? [
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
            { name: subnetGroupName, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
          ]
        : [{ name: subnetGroupName, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    this.privateSubnets = { subnetGroupName };

    this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'Pipeline functions: egress to the cluster, the database and AWS APIs only',
      allowAllOutbound: false,
    });

    if (nat) {
      this.functionSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs through NAT');
    } else {
      const services: [string, ec2.InterfaceVpcEndpointAwsService][] = Object.entries(ENDPOINT_SERVICES);
      if (props.sqsEndpoint) services.push(['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS]);
      for (const [name, service] of services) {
        const endpoint = this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
          service,
          subnets: this.privateSubnets,
          privateDnsEnabled: true,
          open: false,
        });
        this.endpoints.push(endpoint);
      }
      this.allowEndpointsFrom(this.functionSecurityGroup, 'pipeline functions');
    }
  }

  /** Lets a security group reach the interface endpoints over HTTPS. */
  allowEndpointsFrom(peer: ec2.ISecurityGroup, description: string): void {
    for (const endpoint of this.endpoints) endpoint.connections.allowDefaultPortFrom(peer, description);
  }
}
