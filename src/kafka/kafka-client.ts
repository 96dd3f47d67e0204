/**
 * The one factory for Kafka clients and producers (with this project's kafkajs patches installed). MSK uses IAM (SASL/OAUTHBEARER over TLS, port
 * 9098) with tokens from aws-msk-iam-sasl-signer-js; local brokers use plaintext.
 */
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import {
  CompressionTypes,
  type ICustomPartitioner,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { memoiseUntilFailure } from '../async/memoise-until-failure.js';
import { ConfigError, optionalEnv, parseBrokerList } from '../config/env.js';
import { installKafkajsPatches } from './kafkajs-patches.js';
import type { OutputRecord } from './msk-event.js';

export type KafkaAuth = { type: 'none' } | { type: 'iam'; region: string };

export interface KafkaConnection {
  brokers: string[];
  auth: KafkaAuth;
  clientId: string;
}

export function createKafka(connection: KafkaConnection, overrides: Partial<KafkaConfig> = {}): Kafka {
  installKafkajsPatches();
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

/** A message on its way out; `partition` is fixed by the partitioner on the first attempt. */
type OutgoingMessage = Pick<OutputRecord, 'key' | 'value'> & { headers: IHeaders; partition?: number };

/** Attempts at sending the records of partitions that a resolved sendBatch left unacknowledged. */
const UNACKNOWLEDGED_RESENDS = 5;

/**
 * kafkajs's default (murmur2, Java-compatible) partitioner, made sticky: a message keeps the
 * partition chosen on its first attempt (as the Java producer does), so the publisher knows where
 * each message went and which acknowledgement covers it.
 */
function stickyDefaultPartitioner(): ICustomPartitioner {
  return () => {
    const choose = Partitioners.DefaultPartitioner();
    return (args) => {
      const message = args.message as OutgoingMessage;
      message.partition ??= choose(args);
      return message.partition;
    };
  };
}

/** A kafkajs producer behind the RecordPublisher port. Connects lazily, once. */
export function createKafkaPublisher(kafka: Kafka): RecordPublisher {
  let producer: Producer | undefined;
  // A failed connect is tried again by the next publish.
  const connection = memoiseUntilFailure(async () => {
    const p = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 5, createPartitioner: stickyDefaultPartitioner() });
    await p.connect();
    producer = p;
    return p;
  });
  return {
    async publish(records) {
      if (records.length === 0) return;
      const p = await connection.get();
      let pending = records.map((r): { topic: string; message: OutgoingMessage } => ({
        topic: r.topic,
        message: { key: r.key, value: r.value, headers: kafkajsHeaders(r.headers) },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNACKNOWLEDGED_RESENDS) {
          throw new Error(`Kafka acknowledged no write for ${pending.length} record(s) after ${UNACKNOWLEDGED_RESENDS} resends`);
        }
        const acknowledged = await p.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: byTopic(pending) });
        // kafkajs 2.2.4 can resolve without sending some partitions: after a leader moves to a broker
        // that already answered, its retry skips that broker (tulios/kafkajs#1303). Send those again.
        const covered = new Set(acknowledged.map((m) => `${m.topicName}\u0000${m.partition}`));
        pending = pending.filter(({ topic, message }) => !covered.has(`${topic}\u0000${message.partition}`));
      }
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
      connection.reset();
    },
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * kafkajs 2.2.4 cannot write a null header value: its record encoder measures every value with
 * Buffer.byteLength before it checks for null, and throws. A null value goes out empty, its key kept
 * (docs/kafka-records.md).
 */
export function kafkajsHeaders(headers: OutputRecord['headers']): IHeaders {
  const out: IHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    out[key] = Array.isArray(value) ? value.map((v) => v ?? EMPTY) : (value ?? EMPTY);
  }
  return out;
}

function byTopic(items: readonly { topic: string; message: OutgoingMessage }[]): { topic: string; messages: OutgoingMessage[] }[] {
  const topics = new Map<string, OutgoingMessage[]>();
  for (const { topic, message } of items) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * The connection a function uses, from its environment: the brokers in KAFKA_BROKERS (on AWS the
 * stack looks the cluster's IAM brokers up once at deploy time and passes them in, so no function
 * calls the MSK API) and KAFKA_AUTH, "iam" or "none" (the default).
 */
export function connectionFromEnv(clientId: string, env = process.env): KafkaConnection {
  const brokers = optionalEnv('KAFKA_BROKERS', env);
  if (!brokers) throw new ConfigError('set KAFKA_BROKERS (host:port,...) to reach Kafka');
  const authName = optionalEnv('KAFKA_AUTH', env) ?? 'none';
  if (authName !== 'none' && authName !== 'iam') {
    throw new ConfigError(`KAFKA_AUTH must be "none" or "iam", got "${authName}"`);
  }
  const region = optionalEnv('AWS_REGION', env) ?? 'us-east-1';
  const auth: KafkaAuth = authName === 'iam' ? { type: 'iam', region } : { type: 'none' };
  return { brokers: parseBrokerList(brokers), auth, clientId };
}
