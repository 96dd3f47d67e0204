/**
 * FFI binding to the system librdkafka (through koffi): just the calls the embedded Kafka needs,
 * from rdkafka.h and rdkafka_mock.h. Signatures are those of librdkafka 2.0.2 (Debian bookworm);
 * the mock API is marked experimental upstream, so the binding checks every symbol at load time.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { LibrdkafkaMissingError } from './errors.js';

/** A C pointer as koffi 3 represents it. */
export type Pointer = bigint;

/** Lowest librdkafka with every mock call bound here (push_request_errors_array came in 1.7). */
const MIN_VERSION = 0x02000000;
const MIN_VERSION_TEXT = '2.0.0';

export interface Librdkafka {
  /** The library file (or dlopen name) that was loaded. */
  readonly path: string;
  /** e.g. "2.0.2". */
  readonly version: string;
  confNew(): Pointer | null;
  /** Returns RD_KAFKA_CONF_OK (0) or a negative rd_kafka_conf_res_t; the reason is written to errstr. */
  confSet(conf: Pointer, name: string, value: string, errstr: Buffer, errstrSize: number): number;
  confDestroy(conf: Pointer): void;
  /** Takes ownership of conf on success only. */
  kafkaNew(type: number, conf: Pointer, errstr: Buffer, errstrSize: number): Pointer | null;
  kafkaDestroy(rk: Pointer): void;
  err2str(err: number): string;
  mockClusterNew(rk: Pointer, brokerCount: number): Pointer | null;
  mockClusterDestroy(mcluster: Pointer): void;
  mockClusterBootstraps(mcluster: Pointer): string;
  mockTopicCreate(mcluster: Pointer, topic: string, partitions: number, replicationFactor: number): number;
  mockPartitionSetLeader(mcluster: Pointer, topic: string, partition: number, brokerId: number): number;
  mockBrokerSetDown(mcluster: Pointer, brokerId: number): number;
  mockBrokerSetUp(mcluster: Pointer, brokerId: number): number;
  mockBrokerSetRtt(mcluster: Pointer, brokerId: number, rttMs: number): number;
  mockPushRequestErrorsArray(mcluster: Pointer, apiKey: number, count: number, errors: Int32Array): void;
  mockClearRequestErrors(mcluster: Pointer, apiKey: number): void;
}

/** rd_kafka_type_t */
export const RdKafkaType = { producer: 0, consumer: 1 } as const;

export const INSTALL_HINT =
  'install it with `sudo apt-get install -y librdkafka1` (Debian/Ubuntu) or `brew install librdkafka` (macOS), ' +
  'set LIBRDKAFKA_PATH to the library file, or run against your own Kafka with KAFKA_BROKERS=host:port';

/** Library files to try, in order: LIBRDKAFKA_PATH alone when set, else the platform's usual names. */
export function librdkafkaCandidates(
  platform: NodeJS.Platform = process.platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const explicit = env.LIBRDKAFKA_PATH?.trim();
  if (explicit) return [explicit];
  switch (platform) {
    case 'darwin':
      // dlopen does not search the Homebrew prefixes, so name them.
      return [
        'librdkafka.1.dylib',
        'librdkafka.dylib',
        '/opt/homebrew/lib/librdkafka.1.dylib',
        '/opt/homebrew/lib/librdkafka.dylib',
        '/usr/local/lib/librdkafka.1.dylib',
        '/usr/local/lib/librdkafka.dylib',
      ];
    case 'win32':
      return ['librdkafka.dll'];
    default:
      return ['librdkafka.so.1', 'librdkafka.so'];
  }
}

// koffi type names are global to the process: declare them once.
koffi.opaque('rd_kafka_t');
koffi.opaque('rd_kafka_conf_t');
koffi.opaque('rd_kafka_mock_cluster_t');

const loaded = new Map<string, Librdkafka>();

/**
 * Loads librdkafka (cached per candidate list).
 * @throws LibrdkafkaMissingError with the install commands when no candidate loads or one is too old.
 */
export function loadLibrdkafka(env: Readonly<Record<string, string | undefined>> = process.env): Librdkafka {
  const candidates = librdkafkaCandidates(process.platform, env);
  const cacheKey = candidates.join('|');
  const cached = loaded.get(cacheKey);
  if (cached) return cached;

  let lastError: unknown;
  for (const candidate of candidates) {
    let lib: LibraryHandle;
    try {
      lib = koffi.load(candidate);
    } catch (error) {
      lastError = error;
      continue;
    }
    const binding = bind(lib, candidate);
    loaded.set(cacheKey, binding);
    return binding;
  }
  const reason = lastError instanceof Error ? ` (${firstLine(lastError.message)})` : '';
  throw new LibrdkafkaMissingError(
    `the embedded Kafka needs the system librdkafka >= ${MIN_VERSION_TEXT}, which could not be loaded from ` +
      `${candidates.join(', ')}${reason}: ${INSTALL_HINT}`,
    { cause: lastError },
  );
}

type NativeFunction = ReturnType<LibraryHandle['func']>;

function bind(lib: LibraryHandle, path: string): Librdkafka {
  const fn = (declaration: string): NativeFunction => {
    try {
      return lib.func(declaration);
    } catch (error) {
      const symbol = /(rd_kafka_\w+)\s*\(/.exec(declaration)?.[1] ?? declaration;
      throw new LibrdkafkaMissingError(
        `librdkafka at ${path} lacks ${symbol}; the embedded Kafka needs librdkafka >= ${MIN_VERSION_TEXT}: ${INSTALL_HINT}`,
        { cause: error },
      );
    }
  };
  const versionNumber = fn('int rd_kafka_version(void)')() as number;
  const version = fn('const char *rd_kafka_version_str(void)')() as string;
  if (versionNumber < MIN_VERSION) {
    throw new LibrdkafkaMissingError(
      `librdkafka at ${path} is version ${version}; the embedded Kafka needs >= ${MIN_VERSION_TEXT}: ${INSTALL_HINT}`,
    );
  }
  const confNew = fn('rd_kafka_conf_t *rd_kafka_conf_new(void)');
  const confSet = fn(
    'int rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, _Out_ uint8_t *errstr, size_t errstr_size)',
  );
  const confDestroy = fn('void rd_kafka_conf_destroy(rd_kafka_conf_t *conf)');
  const kafkaNew = fn('rd_kafka_t *rd_kafka_new(int type, rd_kafka_conf_t *conf, _Out_ uint8_t *errstr, size_t errstr_size)');
  const kafkaDestroy = fn('void rd_kafka_destroy(rd_kafka_t *rk)');
  const err2str = fn('const char *rd_kafka_err2str(int err)');
  const mockClusterNew = fn('rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt)');
  const mockClusterDestroy = fn('void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster)');
  const mockClusterBootstraps = fn('const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster)');
  const mockTopicCreate = fn(
    'int rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster, const char *topic, int partition_cnt, int replication_factor)',
  );
  const mockPartitionSetLeader = fn(
    'int rd_kafka_mock_partition_set_leader(rd_kafka_mock_cluster_t *mcluster, const char *topic, int32_t partition, int32_t broker_id)',
  );
  const mockBrokerSetDown = fn('int rd_kafka_mock_broker_set_down(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id)');
  const mockBrokerSetUp = fn('int rd_kafka_mock_broker_set_up(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id)');
  const mockBrokerSetRtt = fn('int rd_kafka_mock_broker_set_rtt(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id, int rtt_ms)');
  const mockPushRequestErrorsArray = fn(
    'void rd_kafka_mock_push_request_errors_array(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey, size_t cnt, const int *errors)',
  );
  const mockClearRequestErrors = fn('void rd_kafka_mock_clear_request_errors(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey)');

  return {
    path,
    version,
    confNew: () => confNew() as Pointer | null,
    confSet: (conf, name, value, errstr, size) => confSet(conf, name, value, errstr, size) as number,
    confDestroy: (conf) => void confDestroy(conf),
    kafkaNew: (type, conf, errstr, size) => kafkaNew(type, conf, errstr, size) as Pointer | null,
    kafkaDestroy: (rk) => void kafkaDestroy(rk),
    err2str: (err) => err2str(err) as string,
    mockClusterNew: (rk, count) => mockClusterNew(rk, count) as Pointer | null,
    mockClusterDestroy: (m) => void mockClusterDestroy(m),
    mockClusterBootstraps: (m) => mockClusterBootstraps(m) as string,
    mockTopicCreate: (m, topic, partitions, rf) => mockTopicCreate(m, topic, partitions, rf) as number,
    mockPartitionSetLeader: (m, topic, partition, id) => mockPartitionSetLeader(m, topic, partition, id) as number,
    mockBrokerSetDown: (m, id) => mockBrokerSetDown(m, id) as number,
    mockBrokerSetUp: (m, id) => mockBrokerSetUp(m, id) as number,
    mockBrokerSetRtt: (m, id, ms) => mockBrokerSetRtt(m, id, ms) as number,
    mockPushRequestErrorsArray: (m, apiKey, count, errors) => void mockPushRequestErrorsArray(m, apiKey, count, errors),
    mockClearRequestErrors: (m, apiKey) => void mockClearRequestErrors(m, apiKey),
  };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
