/**
 * The local twin: the whole pipeline on one machine. Kafka (embedded or KAFKA_BROKERS), the store
 * (PGlite or DATABASE_URL), and one event source mapping emulator per stage calling the very
 * handler modules that run on Lambda.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Kafka } from 'kafkajs';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { defineArchive } from '../../src/pipeline/archive-definition.js';
import { inputTopicOf, type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { ArchiveConsumer } from '../archive/archive-consumer.js';
import { createChangeMappings, type ShopCdc, startShopCdc } from '../cdc/shop-cdc.js';
import {
  type ConsumerRestartPolicy,
  type EsmHandler,
  EventSourceMapping,
  type FailureDestinationKind,
  type InvocationInfo,
  type PollerMode,
  type RetryBackoff,
} from '../event-source-mapping/event-source-mapping.js';
import { type KafkaCluster, openKafkaCluster } from '../kafka/kafka-cluster.js';
import { createTwinKafka } from '../kafka/twin-kafka.js';
import type { StoreLocation } from '../store/open-store.js';
import { openPreparedStore } from '../store/prepared-store.js';
import { ChangeStats } from './change-stats.js';
import { readDeploymentMode } from './deployment-mode.js';
import { lockStoreFolder, pgliteFolder } from './local-store.js';
import type { OwnerFile } from './owner-file.js';
import { type StageSeek, seekStage } from './stage-seek.js';
import { TwinStats } from './twin-stats.js';

export type { StageSeek } from './stage-seek.js';

/** The poller mode the mappings emulate and the format of their failure destination. */
export interface TwinMode {
  readonly pollerMode: PollerMode;
  readonly failureDestination: FailureDestinationKind;
}

export interface TwinOptions {
  pipeline: PipelineDefinition;
  /** KAFKA_BROKERS; the embedded cluster when absent. */
  kafkaBrokers?: string;
  store?: StoreLocation;
  /** Called after every invocation of any stage (progress, dashboards). */
  onInvocation?: (stage: StageName, info: InvocationInfo) => void;
  onWarning?: (message: string) => void;
  /** Backoff between retries of a failed invocation, for every stage. @default the mapping's default */
  retryBackoff?: RetryBackoff;
  /** Named in the PGlite folder's owner file. @default "tributary start" */
  command?: string;
  /** Wraps each stage's handler before its mapping calls it (fault injection in tests). */
  wrapHandler?: (stage: StageName, handler: StageHandler) => EsmHandler;
  /** @default the dev environment's mode in cdk.json (readDeploymentMode) */
  mode?: TwinMode;
  /** How the mappings restart a crashed consumer. @default the mapping's default */
  consumerRestart?: ConsumerRestartPolicy;
  /** Archives the raw and enriched topics as Parquet, as Firehose does on AWS (off when absent). */
  archive?: TwinArchiveOptions;
  /**
   * Change data capture of the shop database: its capture and the catalogue and orders stages.
   * The source is sourceUrl (SOURCE_DATABASE_URL) or the embedded PostgreSQL in dataDir/postgres.
   */
  cdc?: { dataDir: string; sourceUrl?: string };
}

export interface TwinArchiveOptions {
  /** The archive folder, e.g. .data/archive. */
  dir: string;
  /** Buffering hints overriding Firehose's (64 MB / 60 s) for short runs and tests. */
  sizeBytes?: number;
  intervalMs?: number;
}

/** The twin's change data capture, when enabled. */
export interface TwinCdc {
  readonly shop: ShopCdc;
  readonly mappings: readonly EventSourceMapping[];
  readonly stats: ChangeStats;
}

export interface LocalTwin {
  readonly pipeline: PipelineDefinition;
  readonly mode: TwinMode;
  readonly cluster: KafkaCluster;
  readonly store: SqlClient;
  readonly storeDescription: string;
  /** The PGlite folder's owner file, held until stop() (undefined on PostgreSQL). */
  readonly storeOwner?: OwnerFile;
  readonly stats: TwinStats;
  readonly mappings: Readonly<Record<StageName, EventSourceMapping>>;
  readonly cdc?: TwinCdc;
  /** A producer on the twin's Kafka (for the generator and `produce`). */
  readonly publisher: RecordPublisher;
  /** The archive consumer, when TwinOptions.archive was given. */
  readonly archive: ArchiveConsumer | undefined;
  /**
   * Another emulator instance of a stage: same consumer group, handler and settings, not started.
   * The caller starts and stops it (a second consumer joining the group, as when Lambda scales out).
   */
  createMapping(stage: StageName): EventSourceMapping;
  /** Offset lag per stage. */
  lag(): Promise<Record<StageName, number>>;
  /**
   * Moves a stage's consumer group, inside its running mapping (no rejoin), to the first record at
   * or after `to` (epoch ms; -2 earliest, -1 latest) on every partition: records from there are
   * delivered again (see EventSourceMapping.seek).
   */
  seekStage(stage: StageName, to: number): Promise<StageSeek>;
  /**
   * Waits until every stage has consumed everything before it (lag 0 everywhere twice in a row),
   * or the timeout passes. Returns whether it drained.
   */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Stages whose mapping gave up on its Kafka consumer, with the reason: nothing more is read there. */
  consumerFailures(): Partial<Record<StageName, string>>;
  /** Stops the mappings (finishing in-flight batches and committing), then Kafka and the store. */
  stop(): Promise<void>;
}

export async function startTwin(options: TwinOptions): Promise<LocalTwin> {
  const { pipeline } = options;
  const mode = options.mode ?? readDeploymentMode();
  const stats = new TwinStats();
  // The folder is taken before anything opens it: a second twin on it stops here, having touched nothing.
  const folder = pgliteFolder(options.store);
  const storeOwner = folder ? await lockStoreFolder(folder, options.command ?? 'tributary start', 0, true) : undefined;
  const cleanup: (() => Promise<unknown>)[] = [async () => storeOwner?.release()];
  try {
    const cluster = await openKafkaCluster(pipeline, { brokers: options.kafkaBrokers });
    cleanup.unshift(() => cluster.close());
    const store = await openPreparedStore(options.store);
    cleanup.unshift(() => store.client.close());
    const kafka = createTwinKafka(cluster.connection);
    const publisher = createKafkaPublisher(kafka);
    cleanup.unshift(() => publisher.close());
    const reference = new ReferenceDataCache(storeReferenceData(store.client));
    const deps = { pipeline, publisher, reference, store: store.client, onOutcome: stats.record.bind(stats) };
    const handlers = Object.fromEntries(
      STAGE_NAMES.map((stage) => [stage, createStageHandler(stage, { ...deps, logger: stageLogger(stage) })]),
    ) as Record<StageName, StageHandler>;
    const createMapping = stageMappingFactory(options, mode, kafka, cluster, handlers);
    const mappings = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, createMapping(stage)])) as Record<StageName, EventSourceMapping>;
    for (const stage of STAGE_NAMES) cleanup.unshift(() => mappings[stage].stop());
    const archive = options.archive && createArchiveConsumer(pipeline, kafka, options.archive, options.onWarning);
    // After the mappings' stop, so what the pipeline wrote last is archived before Kafka closes.
    if (archive) cleanup.splice(STAGE_NAMES.length, 0, () => archive.stop());
    // The groups join together: the mock cluster holds each group's first join for seconds.
    await Promise.all([...STAGE_NAMES.map((stage) => mappings[stage].start()), archive?.start()]);

    const cdc = options.cdc
      ? await startTwinCdc({ options, mode, kafka, cluster, store: store.client, publisher, reference }, options.cdc, cleanup)
      : undefined;
    const changeMappings = cdc?.mappings ?? [];
    const lag = () => stageLags(mappings);
    let stopped = false;
    return {
      pipeline,
      mode,
      cluster,
      store: store.client,
      storeDescription: store.description,
      storeOwner,
      stats,
      mappings,
      cdc,
      publisher,
      archive,
      createMapping,
      lag,
      seekStage: (stage, to) =>
        seekStage({ kafka, stage, definition: pipeline.stages[stage], mapping: mappings[stage], to, readRecords: !!cluster.embedded }),
      drain: (timeoutMs, signal) => drainStages(mappings, changeMappings, timeoutMs, signal),
      consumerFailures: () => consumerFailures(mappings),
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const step of cleanup) await step();
      },
    };
  } catch (error) {
    for (const step of cleanup) await step().catch(() => {});
    throw error;
  }
}

function stageMappingFactory(
  options: TwinOptions,
  mode: TwinMode,
  kafka: Kafka,
  cluster: KafkaCluster,
  handlers: Record<StageName, StageHandler>,
): (stage: StageName) => EventSourceMapping {
  const { pipeline } = options;
  return (stage) =>
    new EventSourceMapping({
      stage: pipeline.stages[stage],
      kafka,
      bootstrapServers: cluster.bootstrapServers,
      functionName: `${pipeline.name}-${stage}`,
      handler: options.wrapHandler ? options.wrapHandler(stage, handlers[stage]) : handlers[stage],
      failureTopic: pipeline.topics.failures.name,
      inputRetentionHours: inputTopicOf(pipeline, pipeline.stages[stage]).retentionHours,
      pollerMode: mode.pollerMode,
      failureDestination: mode.failureDestination,
      retryBackoff: options.retryBackoff,
      consumerRestart: options.consumerRestart,
      onInvocation: options.onInvocation && ((info) => options.onInvocation?.(stage, info)),
      onWarning: options.onWarning,
    });
}

function createArchiveConsumer(
  pipeline: PipelineDefinition,
  kafka: Kafka,
  archive: TwinArchiveOptions,
  onWarning: ((message: string) => void) | undefined,
): ArchiveConsumer {
  return new ArchiveConsumer({
    kafka,
    archive: defineArchive(pipeline),
    groupId: `${pipeline.name}-archive`,
    dir: archive.dir,
    sizeBytes: archive.sizeBytes,
    intervalMs: archive.intervalMs,
    onWarning,
  });
}

interface CdcContext {
  readonly options: TwinOptions;
  readonly mode: TwinMode;
  readonly kafka: Kafka;
  readonly cluster: KafkaCluster;
  readonly store: SqlClient;
  readonly publisher: RecordPublisher;
  readonly reference: ReferenceDataCache;
}

/**
 * One logger per stage, as each function has its own on AWS: an error line names its stage and
 * carries that stage's request id, not another stage's invoked at the same moment. Errors only:
 * the progress line and the summary tell the story.
 */
function stageLogger(stage: string): Logger {
  return new Logger({ serviceName: stage, logLevel: 'ERROR' });
}

/** The change stages' mappings, then the shop database's capture; each stop joins the cleanup. */
async function startTwinCdc(
  context: CdcContext,
  cdcOptions: NonNullable<TwinOptions['cdc']>,
  cleanup: (() => Promise<unknown>)[],
): Promise<TwinCdc> {
  const { options, mode, kafka, cluster, publisher } = context;
  const { pipeline } = options;
  const changeStats = new ChangeStats();
  const changeMappings = createChangeMappings({
    pipeline,
    kafka,
    bootstrapServers: cluster.bootstrapServers,
    store: context.store,
    publisher,
    logger: stageLogger,
    reference: context.reference,
    onOutcome: (outcome) => changeStats.record(outcome),
    onWarning: options.onWarning,
    retryBackoff: options.retryBackoff,
    consumerRestart: options.consumerRestart,
    pollerMode: mode.pollerMode,
    failureDestination: mode.failureDestination,
  });
  for (const mapping of changeMappings) cleanup.unshift(() => mapping.stop());
  await Promise.all(changeMappings.map((m) => m.start()));
  const shop = await startShopCdc({ pipeline, publisher, cluster, ...cdcOptions, onWarning: options.onWarning });
  cleanup.unshift(() => shop.stop());
  return { shop, mappings: changeMappings, stats: changeStats };
}

async function stageLags(mappings: Readonly<Record<StageName, EventSourceMapping>>): Promise<Record<StageName, number>> {
  return Object.fromEntries(await Promise.all(STAGE_NAMES.map(async (s) => [s, await mappings[s].offsetLag()] as const))) as Record<
    StageName,
    number
  >;
}

async function drainStages(
  mappings: Readonly<Record<StageName, EventSourceMapping>>,
  changeMappings: readonly EventSourceMapping[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  while (Date.now() < deadline && !signal?.aborted) {
    const lags = await stageLags(mappings);
    const changeLags = await Promise.all(changeMappings.map((m) => m.offsetLag()));
    const idle =
      STAGE_NAMES.every((s) => lags[s] === 0 && mappings[s].stats().inFlight === 0) &&
      changeLags.every((l) => l === 0) &&
      changeMappings.every((m) => m.stats().inFlight === 0);
    quietRounds = idle ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

function consumerFailures(mappings: Readonly<Record<StageName, EventSourceMapping>>): Partial<Record<StageName, string>> {
  const failures: Partial<Record<StageName, string>> = {};
  for (const stage of STAGE_NAMES) {
    const failure = mappings[stage].stats().consumerFailure;
    if (failure !== undefined) failures[stage] = failure;
  }
  return failures;
}
