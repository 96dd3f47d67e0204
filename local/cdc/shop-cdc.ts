/**
 * Change data capture of the shop database inside the twin (and `tributary cdc`): the shop source,
 * the capture writing Debezium-shaped events to the pipeline's change topics, and the change
 * consumers (catalogue, orders) as event source mappings calling the same handlers as Lambda.
 */
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Kafka } from 'kafkajs';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import type { ChangeOutcome } from '../../src/cdc/change-stage.js';
import type { ReferenceDataCache } from '../../src/enrichment/reference-data.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { CHANGE_STAGE_NAMES, type ChangeStageName, inputTopicOf, type PipelineDefinition } from '../../src/pipeline/definition.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import {
  type ConsumerRestartPolicy,
  type EsmHandler,
  EventSourceMapping,
  type FailureDestinationKind,
  type PollerMode,
  type RetryBackoff,
} from '../event-source-mapping/event-source-mapping.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import { type ChangeCapture, startChangeCapture } from './change-capture.js';
import { openShopSource, type ShopSource } from './shop-source.js';

export interface ChangeConsumerOptions {
  readonly pipeline: PipelineDefinition;
  readonly kafka: Kafka;
  readonly bootstrapServers: string;
  readonly store: SqlClient;
  readonly publisher: RecordPublisher;
  /** Each change stage's own logger. */
  readonly logger: (stage: ChangeStageName) => Logger;
  /** enrich's cache: dropped after catalogue changes are applied, so enrich sees them at once. */
  readonly reference?: ReferenceDataCache;
  readonly onOutcome?: (outcome: ChangeOutcome) => void;
  readonly onWarning?: (message: string) => void;
  readonly retryBackoff?: RetryBackoff;
  readonly consumerRestart?: ConsumerRestartPolicy;
  /** The poller mode and failure destination the stages' mappings emulate, as for the other stages. */
  readonly pollerMode: PollerMode;
  readonly failureDestination: FailureDestinationKind;
  readonly wrapHandler?: (stage: ChangeStageName, handler: StageHandler) => EsmHandler;
}

/** One mapping per change topic, as on AWS (a mapping reads one topic). Not started. */
export function createChangeMappings(options: ChangeConsumerOptions): EventSourceMapping[] {
  const { pipeline } = options;
  const onOutcome = (outcome: ChangeOutcome) => {
    if (outcome.stage === 'catalogue' && outcome.applied > 0) options.reference?.invalidate();
    options.onOutcome?.(outcome);
  };
  const deps = { pipeline, store: options.store, publisher: options.publisher, onOutcome };
  const handlers = Object.fromEntries(
    CHANGE_STAGE_NAMES.map((stage) => [stage, createStageHandler(stage, { ...deps, logger: options.logger(stage) })]),
  ) as Record<ChangeStageName, StageHandler>;
  return pipeline.changeCapture.stages.map(
    (stage) =>
      new EventSourceMapping({
        stage,
        kafka: options.kafka,
        bootstrapServers: options.bootstrapServers,
        functionName: `${pipeline.name}-${stage.consumer}`,
        handler: options.wrapHandler ? options.wrapHandler(stage.consumer, handlers[stage.consumer]) : handlers[stage.consumer],
        failureTopic: pipeline.topics.failures.name,
        inputRetentionHours: inputTopicOf(pipeline, stage).retentionHours,
        pollerMode: options.pollerMode,
        failureDestination: options.failureDestination,
        retryBackoff: options.retryBackoff,
        consumerRestart: options.consumerRestart,
        onWarning: options.onWarning,
      }),
  );
}

export interface ShopCdc {
  readonly source: ShopSource;
  readonly capture: ChangeCapture;
  stop(): Promise<void>;
}

export interface ShopCdcOptions {
  readonly pipeline: PipelineDefinition;
  readonly publisher: RecordPublisher;
  readonly cluster: KafkaCluster;
  /** Holds postgres/ (the embedded source) and cdc/ (the snapshot marker). */
  readonly dataDir: string;
  /** SOURCE_DATABASE_URL; the embedded server's shop database when absent. */
  readonly sourceUrl?: string;
  /** Tables to capture ("schema.table"); the shop tables of the definition by default. */
  readonly tables?: readonly string[];
  readonly onWarning?: (message: string) => void;
}

/** Opens the shop source and starts capturing it into the pipeline's change topics. */
export async function startShopCdc(options: ShopCdcOptions): Promise<ShopCdc> {
  const { pipeline, cluster } = options;
  const cdc = pipeline.changeCapture;
  const source = await openShopSource({ sourceUrl: options.sourceUrl, dataDir: options.dataDir });
  const known = new Set(cdc.topics.map((t) => t.name));
  try {
    const capture = await startChangeCapture({
      sourceUrl: source.url,
      topicPrefix: cdc.topicPrefix,
      slotName: cdc.slotName,
      publicationName: cdc.publicationName,
      tables: options.tables ?? cdc.topics.map((t) => `${cdc.schema}.${t.table}`),
      publisher: options.publisher,
      stateDir: join(options.dataDir, 'cdc'),
      onWarning: options.onWarning,
      // The definition's topics exist already; a table outside it gets a topic on the embedded cluster.
      ensureTopic: async (topic) => {
        if (known.has(topic)) return;
        cluster.embedded?.createTopic(topic, 3);
        known.add(topic);
      },
    });
    return {
      source,
      capture,
      async stop() {
        await capture.stop();
        await source.close();
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
