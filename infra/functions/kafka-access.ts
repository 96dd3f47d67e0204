/**
 * Data-plane IAM for MSK (kafka-cluster:*), scoped to the cluster, topic and group ARNs each use
 * needs; never a wildcard resource.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { KafkaClusterTarget } from './function-targets.js';

/** What a principal does with the cluster. */
export type KafkaAccess =
  | { readonly kind: 'produce'; readonly topics: readonly string[] }
  | { readonly kind: 'consume'; readonly topic: string; readonly groupId: string }
  | { readonly kind: 'administer'; readonly topics: readonly string[]; readonly deleteTopics: boolean };

/** Policy statements granting exactly one access to the cluster. */
export function kafkaAccessStatements(cluster: KafkaClusterTarget, access: KafkaAccess): iam.PolicyStatement[] {
  const clusterStatement = (actions: string[]) => new iam.PolicyStatement({ actions, resources: [cluster.clusterArn] });
  const topicStatement = (actions: string[], topics: readonly string[]) =>
    new iam.PolicyStatement({ actions, resources: topics.map((t) => cluster.topicArn(t)) });

  switch (access.kind) {
    case 'produce':
      return [
        clusterStatement(['kafka-cluster:Connect']),
        topicStatement(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], access.topics),
      ];
    case 'consume':
      // What the event source mapping needs (docs/lambda-kafka-esm.md section 5).
      return [
        clusterStatement(['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration']),
        topicStatement(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], [access.topic]),
        new iam.PolicyStatement({
          actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          resources: [cluster.groupArn(access.groupId)],
        }),
      ];
    case 'administer':
      return [
        clusterStatement(['kafka-cluster:Connect']),
        topicStatement(
          [
            'kafka-cluster:CreateTopic',
            'kafka-cluster:DescribeTopic',
            'kafka-cluster:AlterTopic',
            'kafka-cluster:DescribeTopicDynamicConfiguration',
            'kafka-cluster:AlterTopicDynamicConfiguration',
            ...(access.deleteTopics ? ['kafka-cluster:DeleteTopic'] : []),
          ],
          access.topics,
        ),
      ];
  }
}

/**
 * Control-plane reads a Kafka event source mapping makes with its function's role to find the
 * cluster's brokers (the kafka actions of AWSLambdaMSKExecutionRole, on this cluster only).
 */
export function mappingControlPlaneStatement(cluster: KafkaClusterTarget): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], resources: [cluster.clusterArn] });
}
