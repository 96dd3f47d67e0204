/** sink Lambda: enriched -> analytics store (events + rollups, one transaction). */
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { sinkBatch } from '../../src/stages/sink.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import {
  createLogger,
  createMetrics,
  lazyHandler,
  pipelineFromEnv,
  publisherFromEnv,
  storeFromEnv,
} from '../shared/function-environment.js';
import { createStageHandler, type StageHandler, type StageHandlerOptions } from '../shared/stage-handler.js';

export type SinkDependencies = Omit<StageHandlerOptions, 'stage' | 'run'> & { pipeline: PipelineDefinition; store: SqlClient };

export function createSinkHandler({ pipeline, store, ...rest }: SinkDependencies): StageHandler {
  return createStageHandler({ ...rest, stage: 'sink', run: (records) => sinkBatch(records, pipeline, store) });
}

export const handler = lazyHandler(async () =>
  createSinkHandler({
    pipeline: pipelineFromEnv(),
    store: storeFromEnv(),
    publisher: await publisherFromEnv('tributary-sink'),
    logger: createLogger('sink'),
    metrics: createMetrics('sink'),
  }),
);
