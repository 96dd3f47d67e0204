/**
 * An in-memory stand-in for a Kafka admin with the broker rules the topic code relies on: partitions
 * only grow, AlterConfigs replaces a topic's whole set of overrides, and metadata of a missing topic
 * is an error. No Kafka with the admin API runs on the test machine (the embedded mock cluster does
 * not serve it).
 */
import kafkajs, {
  type DescribeConfigResponse,
  type IResourceConfig,
  type ITopicConfig,
  type ITopicMetadata,
  type ITopicPartitionConfig,
  type ResourceConfigQuery,
} from 'kafkajs';
import type { TopicsResourceAdmin } from '../../functions/topics/topics-resource.js';

const { ConfigSource } = kafkajs;

export class InMemoryTopicAdmin implements TopicsResourceAdmin {
  readonly topics = new Map<string, { partitions: number; configs: Map<string, string> }>();
  /** The calls that change the cluster, in order, e.g. "createTopics raw,dlq". */
  readonly calls: string[] = [];
  /** When set, createTopics answers success without creating anything. */
  dropCreates = false;

  async listTopics(): Promise<string[]> {
    return [...this.topics.keys()];
  }

  async fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }> {
    return {
      topics: (options?.topics ?? []).map((name) => {
        const topic = this.topics.get(name);
        if (!topic) throw new Error('This server does not host this topic-partition');
        return {
          name,
          partitions: Array.from({ length: topic.partitions }, (_, partitionId) => ({
            partitionId,
            partitionErrorCode: 0,
            leader: 1,
            replicas: [1],
            isr: [1],
          })),
        };
      }),
    };
  }

  async createTopics(options: { topics: ITopicConfig[] }): Promise<boolean> {
    this.calls.push(`createTopics ${options.topics.map((t) => t.topic).join(',')}`);
    if (this.dropCreates) return true;
    for (const t of options.topics) {
      const configs = new Map((t.configEntries ?? []).map((e) => [e.name, e.value]));
      this.topics.set(t.topic, { partitions: t.numPartitions ?? 1, configs });
    }
    return true;
  }

  async createPartitions(options: { topicPartitions: ITopicPartitionConfig[] }): Promise<boolean> {
    this.calls.push(`createPartitions ${options.topicPartitions.map((t) => `${t.topic}=${t.count}`).join(',')}`);
    for (const t of options.topicPartitions) {
      const topic = this.topics.get(t.topic);
      if (!topic || t.count <= topic.partitions) throw new Error(`Topic ${t.topic} cannot have ${t.count} partitions`);
      topic.partitions = t.count;
    }
    return true;
  }

  async describeConfigs(options: { resources: ResourceConfigQuery[] }): Promise<DescribeConfigResponse> {
    return {
      throttleTime: 0,
      resources: options.resources.map((r) => ({
        resourceName: r.name,
        resourceType: r.type,
        errorCode: 0,
        errorMessage: '',
        configEntries: [...(this.topics.get(r.name)?.configs ?? [])].map(([configName, configValue]) => ({
          configName,
          configValue,
          isDefault: false,
          configSource: ConfigSource.TOPIC_CONFIG,
          isSensitive: false,
          readOnly: false,
          configSynonyms: [],
        })),
      })),
    };
  }

  async alterConfigs(options: { resources: IResourceConfig[] }): Promise<void> {
    this.calls.push(`alterConfigs ${options.resources.map((r) => r.name).join(',')}`);
    for (const r of options.resources) {
      const topic = this.topics.get(r.name);
      if (topic) topic.configs = new Map(r.configEntries.map((e) => [e.name, e.value]));
    }
  }

  async deleteTopics(options: { topics: string[] }): Promise<void> {
    this.calls.push(`deleteTopics ${options.topics.join(',')}`);
    for (const name of options.topics) this.topics.delete(name);
  }
}
