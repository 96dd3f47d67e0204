/**
 * The one factory for Kafka clients and producers. MSK uses IAM (SASL/OAUTHBEARER over TLS, port
 * 9098) with tokens from aws-msk-iam-sasl-signer-js; local brokers use plaintext.
 */
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { CompressionTypes, Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from 'kafkajs';
import { ConfigError, optionalEnv, parseBrokerList } from '../config/env.js';
import type { OutputRecord } from './msk-event.js';

export type KafkaAuth = { type: 'none' } | { type: 'iam'; region: string };

export interface KafkaConnection {
  brokers: string[];
  auth: KafkaAuth;
  clientId: string;
}

export function createKafka(connection: KafkaConnection, overrides: Partial<KafkaConfig> = {}): Kafka {
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    ...overrides,
  };
  if (connection.auth.type === 'iam') {
    const { region } = connection.auth;
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    };
  }
  return new Kafka(config);
}

/** Where a stage publishes the records it produces. Implemented by Kafka, and by a printer for `tributary invoke`. */
export interface RecordPublisher {
  /** Resolves once every record is acknowledged by all in-sync replicas; rejects on a transient failure. */
  publish(records: readonly OutputRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** A kafkajs producer behind the RecordPublisher port. Connects lazily, once. */
export function createKafkaPublisher(kafka: Kafka): RecordPublisher {
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const connect = (): Promise<Producer> => {
    connecting ??= (async () => {
      // The default (murmur2, Java-compatible) partitioner: keys land where a Java producer puts them.
      const p = kafka.producer({
        allowAutoTopicCreation: false,
        maxInFlightRequests: 5,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      producer = p;
      return p;
    })().catch((error: unknown) => {
      connecting = undefined; // let the next invocation try again
      throw error;
    });
    return connecting;
  };
  return {
    async publish(records) {
      if (records.length === 0) return;
      const byTopic = new Map<string, Pick<OutputRecord, 'key' | 'value' | 'headers'>[]>();
      for (const r of records) {
        const messages = byTopic.get(r.topic) ?? [];
        if (messages.length === 0) byTopic.set(r.topic, messages);
        messages.push({ key: r.key, value: r.value, headers: r.headers });
      }
      const p = await connect();
      await p.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
      connecting = undefined;
    },
  };
}

/**
 * Resolves the connection for a function at cold start: KAFKA_BROKERS when set, otherwise the
 * cluster's IAM bootstrap brokers via GetBootstrapBrokers on MSK_CLUSTER_ARN.
 */
export async function connectionFromEnv(clientId: string, env = process.env): Promise<KafkaConnection> {
  const explicit = optionalEnv('KAFKA_BROKERS', env);
  const authName = optionalEnv('KAFKA_AUTH', env) ?? (explicit ? 'none' : 'iam');
  if (authName !== 'none' && authName !== 'iam') {
    throw new ConfigError(`KAFKA_AUTH must be "none" or "iam", got "${authName}"`);
  }
  const region = optionalEnv('AWS_REGION', env) ?? 'us-east-1';
  const auth: KafkaAuth = authName === 'iam' ? { type: 'iam', region } : { type: 'none' };
  if (explicit) return { brokers: parseBrokerList(explicit), auth, clientId };

  const clusterArn = optionalEnv('MSK_CLUSTER_ARN', env);
  if (!clusterArn) throw new ConfigError('set KAFKA_BROKERS or MSK_CLUSTER_ARN to reach Kafka');
  const response = await new KafkaClient({ region }).send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const brokerString = response.BootstrapBrokerStringSaslIam;
  if (!brokerString) throw new ConfigError(`cluster ${clusterArn} has no IAM bootstrap brokers`);
  return { brokers: parseBrokerList(brokerString, 'BootstrapBrokerStringSaslIam'), auth, clientId };
}
