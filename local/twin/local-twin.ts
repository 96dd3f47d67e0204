/**
 * The local twin: the whole pipeline on one machine. Kafka (embedded or KAFKA_BROKERS), the store
 * (PGlite or DATABASE_URL), and one event source mapping emulator per stage calling the very
 * handler modules that run on Lambda.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createEnrichHandler } from '../../functions/enrich/handler.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import type { StageHandler } from '../../functions/shared/stage-handler.js';
import { createSinkHandler } from '../../functions/sink/handler.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StoreLocation } from '../../src/store/open-store.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { openPreparedStore } from '../commands/prepared-store.js';
import { type EsmHandler, EventSourceMapping, type InvocationInfo, type RetryBackoff } from '../esm/event-source-mapping.js';
import { type KafkaCluster, openKafkaCluster } from '../kafka/kafka-cluster.js';
import { lockStoreFolder, pgliteFolder } from './local-store.js';
import type { OwnerFile } from './owner-file.js';
import { TwinStats } from './twin-stats.js';

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
}

export interface LocalTwin {
  readonly pipeline: PipelineDefinition;
  readonly cluster: KafkaCluster;
  readonly store: SqlClient;
  readonly storeDescription: string;
  /** The PGlite folder's owner file, held until stop() (undefined on PostgreSQL). */
  readonly storeOwner?: OwnerFile;
  readonly stats: TwinStats;
  readonly mappings: Readonly<Record<StageName, EventSourceMapping>>;
  /** A producer on the twin's Kafka (for the generator and `produce`). */
  readonly publisher: RecordPublisher;
  /**
   * Another emulator instance of a stage: same consumer group, handler and settings, not started.
   * The caller starts and stops it (a second consumer joining the group, as when Lambda scales out).
   */
  createMapping(stage: StageName): EventSourceMapping;
  /** Offset lag per stage. */
  lag(): Promise<Record<StageName, number>>;
  /**
   * Moves a stage's consumer group: its mapping stops (finishing and committing what it runs), the
   * group's offsets go to the first record at or after `to` (epoch ms; -2 earliest, -1 latest),
   * and a new mapping starts from there. Records after that point are consumed again.
   */
  seekStage(stage: StageName, to: number): Promise<StageSeek>;
  /**
   * Waits until every stage has consumed everything before it (lag 0 everywhere twice in a row),
   * or the timeout passes. Returns whether it drained.
   */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Stops the mappings (finishing in-flight batches and committing), then Kafka and the store. */
  stop(): Promise<void>;
}

export interface StageSeek {
  stage: StageName;
  groupId: string;
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export async function startTwin(options: TwinOptions): Promise<LocalTwin> {
  const { pipeline } = options;
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
    const kafka = createKafka(cluster.connection);
    const publisher = createKafkaPublisher(kafka);
    cleanup.unshift(() => publisher.close());
    // Handlers log warnings only: the progress line and the summary tell the story.
    const logger = new Logger({ serviceName: 'tributary-twin', logLevel: 'ERROR' });
    const common = { pipeline, publisher, logger, onOutcome: stats.record.bind(stats) };
    const handlers: Record<StageName, StageHandler> = {
      ingest: createIngestHandler(common),
      enrich: createEnrichHandler({ ...common, reference: new ReferenceDataCache(storeReferenceData(store.client)) }),
      sink: createSinkHandler({ ...common, store: store.client }),
    };
    const createMapping = (stage: StageName): EventSourceMapping =>
      new EventSourceMapping({
        stage: pipeline.stages[stage],
        kafka,
        bootstrapServers: cluster.bootstrapServers,
        functionName: `${pipeline.name}-${stage}`,
        handler: options.wrapHandler ? options.wrapHandler(stage, handlers[stage]) : handlers[stage],
        failureTopic: pipeline.topics.failures.name,
        retryBackoff: options.retryBackoff,
        onInvocation: options.onInvocation && ((info) => options.onInvocation?.(stage, info)),
        onWarning: options.onWarning,
      });
    const mappings = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, createMapping(stage)])) as Record<StageName, EventSourceMapping>;
    for (const stage of STAGE_NAMES) cleanup.unshift(() => mappings[stage].stop());
    // The groups join together: the mock cluster holds each group's first join for seconds.
    await Promise.all(STAGE_NAMES.map((stage) => mappings[stage].start()));

    const lag = async () =>
      Object.fromEntries(await Promise.all(STAGE_NAMES.map(async (s) => [s, await mappings[s].offsetLag()] as const))) as Record<
        StageName,
        number
      >;
    let stopped = false;
    return {
      pipeline,
      cluster,
      store: store.client,
      storeDescription: store.description,
      storeOwner,
      stats,
      mappings,
      publisher,
      createMapping,
      lag,
      async seekStage(stage, to) {
        if (cluster.embedded) {
          // Measured: the mock's coordinator holds the stage's rejoin past kafkajs's request timeout, the
          // consumer crashes and restarts, and a partition can stay unconsumed after that.
          throw new Error(
            'moving a consumer group is not supported on the embedded Kafka (its group coordinator holds the ' +
              "stage's rejoin until the consumer crashes, which can leave a partition unconsumed); run the twin on a real Kafka with KAFKA_BROKERS",
          );
        }
        const { inputTopic: topic, consumerGroupId: groupId } = pipeline.stages[stage];
        await mappings[stage].stop();
        try {
          const admin = kafka.admin();
          await admin.connect();
          let partitions: { partition: number; offset: string }[];
          try {
            partitions =
              to < 0
                ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: to === -2 ? p.low : p.high }))
                : await admin.fetchTopicOffsetsByTimestamp(topic, to);
            // The group has no members now (its mapping stopped), which setOffsets requires.
            await admin.setOffsets({ groupId, topic, partitions });
          } finally {
            await admin.disconnect();
          }
          return { stage, groupId, topic, partitions: partitions.sort((a, b) => a.partition - b.partition) };
        } finally {
          // The stage runs again whether or not the move worked.
          mappings[stage] = createMapping(stage);
          await mappings[stage].start();
        }
      },
      async drain(timeoutMs, signal) {
        const deadline = Date.now() + timeoutMs;
        let quietRounds = 0;
        while (Date.now() < deadline && !signal?.aborted) {
          const lags = await lag();
          const idle = STAGE_NAMES.every((s) => lags[s] === 0 && mappings[s].stats().inFlight === 0);
          quietRounds = idle ? quietRounds + 1 : 0;
          if (quietRounds >= 2) return true;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return false;
      },
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
