/**
 * An in-process, multi-broker Kafka-protocol cluster: librdkafka's mock cluster, loaded through FFI.
 * Any Kafka client (kafkajs included) connects to `bootstrapServers` as to a real cluster.
 *
 * Limits of the mock cluster (librdkafka 2.0.2): topics are created through the mock API (the
 * CreateTopics, CreatePartitions and config admin requests are not served), data lives in memory
 * only, and each partition keeps at most MOCK_PARTITION_RETENTION_BYTES (older batches are dropped,
 * so a consumer lagging further than that sees its offset go out of range).
 *
 * Timing seen with kafkajs: a group's first join takes ~3 s (the mock's initial rebalance delay), a
 * later re-join waits the session timeout minus 1 s, and a fetch with nothing new is answered after
 * maxWaitTimeInMs (so consumer.disconnect() can take that long). Short session timeouts and fetch
 * waits keep tests fast.
 */
import { EmbeddedKafkaError } from './errors.js';
import { type Librdkafka, loadLibrdkafka, type Pointer, RdKafkaType } from './librdkafka.js';

export { KafkaApiKey, KafkaErrorCode } from './protocol-codes.js';

/** Bytes each mock partition retains (rdkafka_mock.c: max_size of a partition). */
export const MOCK_PARTITION_RETENTION_BYTES = 5 * 1024 * 1024;
export const DEFAULT_BROKER_COUNT = 3;
const MAX_BROKER_COUNT = 32;
const MAX_PARTITIONS = 10_000;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export interface EmbeddedTopic {
  readonly name: string;
  readonly partitions: number;
  /** Defaults to min(3, brokers). */
  readonly replicationFactor?: number;
}

export interface EmbeddedKafkaOptions {
  /** Number of brokers, ids 1..brokers. @default 3 */
  readonly brokers?: number;
  /** Topics to create before the cluster is handed out. */
  readonly topics?: readonly EmbeddedTopic[];
}

export interface EmbeddedKafka {
  /** Comma-separated host:port list, as a client's bootstrap servers. */
  readonly bootstrapServers: string;
  /** One host:port per broker; broker id i is at index i - 1. */
  readonly brokers: string[];
  readonly librdkafkaVersion: string;
  /** Creates a topic through the mock API; throws if it exists already. */
  createTopic(name: string, partitions: number, replicationFactor?: number): void;
  /** Closes the broker's connections and refuses new ones; leadership does not move. */
  brokerDown(id: number): void;
  brokerUp(id: number): void;
  setPartitionLeader(topic: string, partition: number, brokerId: number): void;
  /** The next requests of this type, cluster-wide, fail with these codes in order (one code per request). */
  pushRequestErrors(apiKey: number, errorCodes: readonly number[]): void;
  /** Forgets the injected errors not yet consumed for this request type. */
  clearRequestErrors(apiKey: number): void;
  /** Adds a round-trip delay to every response of the broker (0 removes it). */
  setBrokerLatency(brokerId: number, ms: number): void;
  /** Destroys the cluster; idempotent. Disconnect clients first. */
  stop(): Promise<void>;
}

/** Starts a mock cluster and creates the given topics. */
export async function startEmbeddedKafka(options: EmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
  const brokerCount = options.brokers ?? DEFAULT_BROKER_COUNT;
  if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > MAX_BROKER_COUNT) {
    throw new EmbeddedKafkaError(`brokers must be an integer from 1 to ${MAX_BROKER_COUNT}, got ${brokerCount}`);
  }
  const topics = options.topics ?? [];
  // Validate everything before any native resource exists, so bad input leaks nothing.
  const seen = new Set<string>();
  for (const topic of topics) {
    checkTopic(topic.name, topic.partitions, topic.replicationFactor, brokerCount);
    if (seen.has(topic.name)) throw new EmbeddedKafkaError(`topic "${topic.name}" is listed twice`);
    seen.add(topic.name);
  }

  const lib = loadLibrdkafka();
  const { rk, mcluster } = createMockCluster(lib, brokerCount);
  const cluster = new MockCluster(lib, rk, mcluster, brokerCount);
  try {
    for (const topic of topics) cluster.createTopic(topic.name, topic.partitions, topic.replicationFactor);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function createMockCluster(lib: Librdkafka, brokerCount: number): { rk: Pointer; mcluster: Pointer } {
  const errstr = Buffer.alloc(512);
  const conf = lib.confNew();
  if (!conf) throw new EmbeddedKafkaError('librdkafka could not allocate a configuration');
  // The handle only anchors the mock cluster; it never connects anywhere, so keep it quiet, unless
  // TRIBUTARY_KAFKA_DEBUG names librdkafka debug contexts (e.g. "mock,cgrp": the groups' state changes).
  const debug = process.env.TRIBUTARY_KAFKA_DEBUG?.trim();
  for (const [name, value] of [
    ['client.id', 'tributary-embedded-kafka'],
    ['log_level', debug ? '7' : '3'],
    ...(debug ? [['debug', debug] as const] : []),
  ] as const) {
    if (lib.confSet(conf, name, value, errstr, errstr.length) !== 0) {
      lib.confDestroy(conf);
      throw new EmbeddedKafkaError(`librdkafka rejected ${name}=${value}: ${cString(errstr)}`);
    }
  }
  const rk = lib.kafkaNew(RdKafkaType.producer, conf, errstr, errstr.length);
  if (!rk) {
    lib.confDestroy(conf); // rd_kafka_new takes ownership of conf only on success
    throw new EmbeddedKafkaError(`librdkafka could not create a client handle: ${cString(errstr)}`);
  }
  const mcluster = lib.mockClusterNew(rk, brokerCount);
  if (!mcluster) {
    lib.kafkaDestroy(rk);
    throw new EmbeddedKafkaError(`librdkafka could not start a mock cluster of ${brokerCount} brokers`);
  }
  return { rk, mcluster };
}

class MockCluster implements EmbeddedKafka {
  readonly bootstrapServers: string;
  readonly brokers: string[];
  readonly librdkafkaVersion: string;
  private readonly topics = new Map<string, number>();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly lib: Librdkafka,
    private readonly rk: Pointer,
    private readonly mcluster: Pointer,
    private readonly brokerCount: number,
  ) {
    this.bootstrapServers = lib.mockClusterBootstraps(mcluster);
    this.brokers = this.bootstrapServers.split(',');
    this.librdkafkaVersion = lib.version;
  }

  createTopic(name: string, partitions: number, replicationFactor?: number): void {
    this.checkRunning();
    const rf = checkTopic(name, partitions, replicationFactor, this.brokerCount);
    if (this.topics.has(name)) {
      throw new EmbeddedKafkaError(`topic "${name}" exists already with ${this.topics.get(name)} partitions`);
    }
    this.check(`creating topic "${name}"`, this.lib.mockTopicCreate(this.mcluster, name, partitions, rf));
    this.topics.set(name, partitions);
  }

  brokerDown(id: number): void {
    this.checkRunning();
    this.checkBroker(id);
    this.check(`taking broker ${id} down`, this.lib.mockBrokerSetDown(this.mcluster, id));
  }

  brokerUp(id: number): void {
    this.checkRunning();
    this.checkBroker(id);
    this.check(`bringing broker ${id} up`, this.lib.mockBrokerSetUp(this.mcluster, id));
  }

  setPartitionLeader(topic: string, partition: number, brokerId: number): void {
    this.checkRunning();
    // The mock API would silently create an unknown topic; refuse instead.
    const partitions = this.topics.get(topic);
    if (partitions === undefined) throw new EmbeddedKafkaError(`unknown topic "${topic}"`);
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
      throw new EmbeddedKafkaError(`topic "${topic}" has partitions 0 to ${partitions - 1}, got ${partition}`);
    }
    this.checkBroker(brokerId);
    this.check(
      `moving the leader of ${topic}-${partition} to broker ${brokerId}`,
      this.lib.mockPartitionSetLeader(this.mcluster, topic, partition, brokerId),
    );
  }

  pushRequestErrors(apiKey: number, errorCodes: readonly number[]): void {
    this.checkRunning();
    checkApiKey(apiKey);
    if (errorCodes.length === 0) throw new EmbeddedKafkaError('pushRequestErrors needs at least one error code');
    for (const code of errorCodes) {
      if (!Number.isInteger(code) || code < -200 || code > 200) {
        throw new EmbeddedKafkaError(`error code must be a Kafka or librdkafka error code, got ${code}`);
      }
    }
    this.lib.mockPushRequestErrorsArray(this.mcluster, apiKey, errorCodes.length, Int32Array.from(errorCodes));
  }

  clearRequestErrors(apiKey: number): void {
    this.checkRunning();
    checkApiKey(apiKey);
    this.lib.mockClearRequestErrors(this.mcluster, apiKey);
  }

  setBrokerLatency(brokerId: number, ms: number): void {
    this.checkRunning();
    this.checkBroker(brokerId);
    if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) {
      throw new EmbeddedKafkaError(`latency must be an integer from 0 to 600000 ms, got ${ms}`);
    }
    this.check(`setting the latency of broker ${brokerId}`, this.lib.mockBrokerSetRtt(this.mcluster, brokerId, ms));
  }

  stop(): Promise<void> {
    this.stopped ??= Promise.resolve().then(() => {
      // The cluster belongs to rk: destroy it first.
      this.lib.mockClusterDestroy(this.mcluster);
      this.lib.kafkaDestroy(this.rk);
    });
    return this.stopped;
  }

  private checkRunning(): void {
    if (this.stopped) throw new EmbeddedKafkaError('the embedded Kafka is stopped');
  }

  private checkBroker(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > this.brokerCount) {
      throw new EmbeddedKafkaError(`broker id must be from 1 to ${this.brokerCount}, got ${id}`);
    }
  }

  private check(what: string, err: number): void {
    if (err !== 0) throw new EmbeddedKafkaError(`${what} failed: ${this.lib.err2str(err)}`);
  }
}

/** Validates a topic and returns its replication factor. */
function checkTopic(name: string, partitions: number, replicationFactor: number | undefined, brokers: number): number {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new EmbeddedKafkaError(`topic name must be 1-249 of [a-zA-Z0-9._-], got "${name}"`);
  }
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new EmbeddedKafkaError(`topic "${name}": partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`);
  }
  const rf = replicationFactor ?? Math.min(3, brokers);
  if (!Number.isInteger(rf) || rf < 1 || rf > brokers) {
    throw new EmbeddedKafkaError(
      `topic "${name}": replication factor must be an integer from 1 to ${brokers} (the broker count), got ${rf}`,
    );
  }
  return rf;
}

function checkApiKey(apiKey: number): void {
  if (!Number.isInteger(apiKey) || apiKey < 0 || apiKey > 32_767) {
    throw new EmbeddedKafkaError(`apiKey must be a Kafka request type (see KafkaApiKey), got ${apiKey}`);
  }
}

function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('utf8', 0, end === -1 ? buffer.length : end);
}
