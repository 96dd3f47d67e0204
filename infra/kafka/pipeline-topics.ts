/**
 * The pipeline's topics as code, from the pipeline definition: AWS::MSK::Topic resources where MSK
 * supports them (provisioned, Kafka 3.6 or later), otherwise a custom resource whose handler
 * (functions/topics) runs the Kafka admin API inside the VPC with IAM auth. Both keep topics when
 * removed unless deleteTopicsOnRemoval is set.
 */
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct, type IDependable } from 'constructs';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { type TopicSpec, topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import { customResourceProvider } from '../functions/custom-resource-provider.js';
import { type FunctionSettings, PipelineFunction } from '../functions/pipeline-function.js';
import type { KafkaCluster } from './kafka-cluster.js';

export interface PipelineTopicsProps {
  readonly pipeline: PipelineDefinition;
  readonly cluster: KafkaCluster;
  readonly settings: FunctionSettings;
  readonly deleteOnRemoval: boolean;
}

/** Properties of the Custom::TributaryTopics resource, as the handler reads them. */
export interface TopicsResourceProperties {
  /** JSON array of TopicSpec. */
  readonly Topics: string;
  /** "true" deletes the topics when the resource is deleted. */
  readonly DeleteOnRemoval: 'true' | 'false';
}

/** min.insync.replicas for a replication factor: one replica may be down without refusing acks=all writes. */
export function minInSyncReplicas(replicationFactor: number): number | undefined {
  return replicationFactor >= 3 ? replicationFactor - 1 : undefined;
}

/** A topic's configuration as Java-properties text (`key=value` lines), what MSK reads and DescribeTopic returns. */
export function topicProperties(spec: TopicSpec, replicationFactor: number): string {
  const minIsr = minInSyncReplicas(replicationFactor);
  const entries: [string, string][] = [
    ['retention.ms', String(spec.retentionMs)],
    ...(minIsr !== undefined ? [['min.insync.replicas', String(minIsr)] as [string, string]] : []),
  ];
  return entries.map(([key, value]) => `${key}=${value}\n`).join('');
}

/** AWS::MSK::Topic's Configs: base64 of the properties text. */
export function topicConfigs(spec: TopicSpec, replicationFactor: number): string {
  return Buffer.from(topicProperties(spec, replicationFactor), 'utf8').toString('base64');
}

export class PipelineTopics extends Construct {
  /** What consumers and producers of the topics must wait for. */
  readonly ready: IDependable;
  /** The admin function, when topics are made by the custom resource. */
  readonly adminFunction?: PipelineFunction;

  constructor(scope: Construct, id: string, props: PipelineTopicsProps) {
    super(scope, id);
    const { cluster } = props;
    const specs = topicSpecsFromPipeline(props.pipeline);
    const removal = props.deleteOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    if (cluster.supportsTopicResources) {
      const maxReplicas = cluster.config.brokerCount;
      for (const spec of specs) {
        const replicationFactor = Math.min(spec.replicationFactor, maxReplicas);
        const topic = new msk.CfnTopic(this, spec.name, {
          clusterArn: cluster.clusterArn,
          topicName: spec.name,
          partitionCount: spec.partitions,
          replicationFactor,
          configs: topicConfigs(spec, replicationFactor),
        });
        topic.applyRemovalPolicy(removal);
      }
      this.ready = this;
      return;
    }

    const adminFunction = new PipelineFunction(this, 'Function', {
      name: 'topics',
      description: 'Creates and updates the pipeline topics with the Kafka admin API (custom resource)',
      settings: props.settings,
      memoryMb: 256,
      timeout: Duration.minutes(5),
    }).bindKafkaAdmin(
      cluster,
      specs.map((s) => s.name),
      props.deleteOnRemoval,
    );
    this.adminFunction = adminFunction;
    const provider = customResourceProvider(this, 'Provider', adminFunction, props.settings.logRetention);
    const properties: TopicsResourceProperties = {
      Topics: JSON.stringify(specs),
      DeleteOnRemoval: props.deleteOnRemoval ? 'true' : 'false',
    };
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TributaryTopics',
      properties,
      // The handler decides what deletion means (retain unless asked); the resource itself always goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.ready = resource;
  }
}
