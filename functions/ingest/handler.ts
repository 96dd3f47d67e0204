/** ingest Lambda: raw -> clean | dlq. Thin: the work is in src/stages/ingest.ts. */
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { ingestBatch } from '../../src/stages/ingest.js';
import { createLogger, createMetrics, lazyHandler, pipelineFromEnv, publisherFromEnv } from '../shared/function-environment.js';
import { createStageHandler, type StageHandler, type StageHandlerOptions } from '../shared/stage-handler.js';

export type IngestDependencies = Omit<StageHandlerOptions, 'stage' | 'run'> & { pipeline: PipelineDefinition };

export function createIngestHandler({ pipeline, ...rest }: IngestDependencies): StageHandler {
  return createStageHandler({ ...rest, stage: 'ingest', run: (records) => ingestBatch(records, pipeline) });
}

export const handler = lazyHandler(async () =>
  createIngestHandler({
    pipeline: pipelineFromEnv(),
    publisher: await publisherFromEnv('tributary-ingest'),
    logger: createLogger('ingest'),
    metrics: createMetrics('ingest'),
  }),
);
