/**
 * What a deployed function builds once per cold start from its environment: the pipeline
 * definition, a logger, metrics, a Kafka publisher and the store. Created lazily, on first use,
 * so importing a handler module (as the local twin does) connects to nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { memoiseUntilFailure } from '../../src/async/memoise-until-failure.js';
import { optionalEnv } from '../../src/config/env.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { connectionFromEnv, createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { DEFAULT_PIPELINE_NAME, definePipeline, type PipelineDefinition } from '../../src/pipeline/definition.js';
import { createPostgresClient, postgresConfigFromEnv } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import type { StageHandler } from './batch-handler.js';
import type { KafkaStage, StageHandlerFactory, StageNeeds } from './stage-dependencies.js';

export function pipelineFromEnv(env = process.env): PipelineDefinition {
  return definePipeline({ name: optionalEnv('PIPELINE_NAME', env) ?? DEFAULT_PIPELINE_NAME });
}

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: optionalEnv('POWERTOOLS_SERVICE_NAME') ?? serviceName });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: optionalEnv('POWERTOOLS_METRICS_NAMESPACE') ?? 'Tributary', serviceName });
}

export async function publisherFromEnv(clientId: string): Promise<RecordPublisher> {
  return createKafkaPublisher(createKafka(connectionFromEnv(clientId)));
}

export function storeFromEnv(): SqlClient {
  // One connection: a Lambda instance handles one invocation at a time.
  return createPostgresClient({ ...postgresConfigFromEnv(), maxConnections: 1 });
}

const stageNeedsFromEnv: { readonly [S in KafkaStage]: () => StageNeeds[S] } = {
  ingest: () => ({}),
  enrich: () => ({ reference: new ReferenceDataCache(storeReferenceData(storeFromEnv())) }),
  sink: () => ({ store: storeFromEnv() }),
  catalogue: () => ({ store: storeFromEnv() }),
  orders: () => ({ store: storeFromEnv() }),
};

/**
 * A stage's Lambda entry point: its handler factory given dependencies built from
 * the environment on the first invocation.
 */
export function lambdaStageHandler<S extends KafkaStage>(stage: S, factory: StageHandlerFactory<S>): StageHandler {
  const needs: () => StageNeeds[S] = stageNeedsFromEnv[stage];
  return lazyHandler(async () =>
    factory({
      pipeline: pipelineFromEnv(),
      publisher: await publisherFromEnv(`tributary-${stage}`),
      logger: createLogger(stage),
      metrics: createMetrics(stage),
      ...needs(),
    }),
  );
}

/** Builds a handler on first call and reuses it while the instance is warm. */
export function lazyHandler<A extends unknown[], R>(build: () => Promise<(...args: A) => Promise<R>>): (...args: A) => Promise<R> {
  const built = memoiseUntilFailure(build); // a failed cold start is retried on the next invocation
  return async (...args) => (await built.get())(...args);
}
