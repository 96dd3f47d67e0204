/**
 * What a pipeline function binds to, as the functions see it: the network it runs in, the Kafka
 * cluster it reaches and the store it connects to. The constructs in network/, kafka/ and store/
 * implement these, so functions/ depends on none of those folders (they depend on functions/ for
 * the functions and custom resources they create).
 */
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as rds from 'aws-cdk-lib/aws-rds';

/** The VPC placement of the functions (PipelineNetwork). */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly privateSubnets: ec2.SubnetSelection;
  readonly functionSecurityGroup: ec2.ISecurityGroup;
}

/** An MSK cluster reached with IAM auth (KafkaCluster). */
export interface KafkaClusterTarget {
  readonly clusterArn: string;
  /** Looked up at deploy time; functions read it from KAFKA_BROKERS. */
  readonly bootstrapBrokers: string;
  topicArn(topic: string): string;
  groupArn(groupId: string): string;
}

/** The analytics store's Aurora cluster and database (AnalyticsDatabase). */
export interface StoreTarget {
  readonly cluster: rds.DatabaseCluster;
  readonly databaseName: string;
}
