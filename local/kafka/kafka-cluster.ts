/**
 * The Kafka the local twin runs on: the embedded cluster by default, or an external Kafka named by
 * KAFKA_BROKERS. Either way every topic of the pipeline definition exists once it is open.
 */
import { logLevel } from 'kafkajs';
import { parseBrokerList } from '../../src/config/env.js';
import { type EnsureTopicsResult, ensureTopics } from '../../src/kafka/ensure-topics.js';
import { createKafka, type KafkaConnection } from '../../src/kafka/kafka-client.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import { DEFAULT_BROKER_COUNT, type EmbeddedKafka, startEmbeddedKafka } from './embedded-kafka.js';
import { KafkaUnreachableError } from './errors.js';

export interface KafkaClusterOptions {
  /** KAFKA_BROKERS value (host:port[,host:port...]); when absent the embedded cluster starts. */
  readonly brokers?: string;
  /** @default "tributary-local" */
  readonly clientId?: string;
}

export interface KafkaCluster {
  readonly brokers: string[];
  readonly bootstrapServers: string;
  /** Plaintext connection for createKafka(). */
  readonly connection: KafkaConnection;
  /** Set when the cluster is the embedded one (for fault injection). */
  readonly embedded?: EmbeddedKafka;
  /** What ensureTopics changed on an external cluster. */
  readonly topicChanges?: EnsureTopicsResult;
  /** e.g. "embedded Kafka (librdkafka 2.0.2 mock cluster), 3 brokers" or "external Kafka at localhost:9092". */
  describe(): string;
  /** Stops the embedded cluster; leaves an external one alone. Idempotent. */
  close(): Promise<void>;
}

/** Opens the embedded or external Kafka and makes sure the pipeline's topics exist with their partitions. */
export async function openKafkaCluster(pipeline: PipelineDefinition, options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const clientId = options.clientId ?? 'tributary-local';
  return options.brokers === undefined
    ? openEmbedded(pipeline, clientId)
    : openExternal(pipeline, parseBrokerList(options.brokers), clientId);
}

async function openEmbedded(pipeline: PipelineDefinition, clientId: string): Promise<KafkaCluster> {
  const embedded = await startEmbeddedKafka({
    brokers: DEFAULT_BROKER_COUNT,
    topics: topicSpecsFromPipeline(pipeline).map((t) => ({
      name: t.name,
      partitions: t.partitions,
      replicationFactor: Math.min(t.replicationFactor, DEFAULT_BROKER_COUNT),
    })),
  });
  return {
    brokers: embedded.brokers,
    bootstrapServers: embedded.bootstrapServers,
    connection: { brokers: embedded.brokers, auth: { type: 'none' }, clientId },
    embedded,
    describe: () => `embedded Kafka (librdkafka ${embedded.librdkafkaVersion} mock cluster), ${embedded.brokers.length} brokers`,
    close: () => embedded.stop(),
  };
}

async function openExternal(pipeline: PipelineDefinition, brokers: string[], clientId: string): Promise<KafkaCluster> {
  const connection: KafkaConnection = { brokers, auth: { type: 'none' }, clientId };
  const bootstrapServers = brokers.join(',');
  // Fail within seconds when nothing listens, rather than after the default retry budget; failures
  // are reported by the error thrown, so the client's own retry logging would only repeat them.
  const admin = createKafka(connection, {
    retry: { initialRetryTime: 200, retries: 4 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KafkaUnreachableError(
      `cannot reach Kafka at ${bootstrapServers} (KAFKA_BROKERS): ${reason}; is it running (docker compose up -d)?`,
      { cause: error },
    );
  }
  let topicChanges: EnsureTopicsResult;
  try {
    // A development cluster may have fewer brokers than the replication factor used on AWS.
    const brokerCount = (await admin.describeCluster()).brokers.length;
    const specs = topicSpecsFromPipeline(pipeline).map((t) => ({
      ...t,
      replicationFactor: Math.min(t.replicationFactor, brokerCount),
    }));
    topicChanges = await ensureTopics(admin, specs);
  } finally {
    await admin.disconnect();
  }
  return {
    brokers,
    bootstrapServers,
    connection,
    topicChanges,
    describe: () => `external Kafka at ${bootstrapServers}`,
    close: async () => {},
  };
}
