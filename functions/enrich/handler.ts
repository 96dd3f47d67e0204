/** enrich Lambda: clean -> enriched | dlq. Thin: the work is in src/stages/enrich.ts. */
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { enrichBatch } from '../../src/stages/enrich.js';
import {
  createLogger,
  createMetrics,
  lazyHandler,
  pipelineFromEnv,
  publisherFromEnv,
  storeFromEnv,
} from '../shared/function-environment.js';
import { createStageHandler, type StageHandler, type StageHandlerOptions } from '../shared/stage-handler.js';

export type EnrichDependencies = Omit<StageHandlerOptions, 'stage' | 'run'> & {
  pipeline: PipelineDefinition;
  reference: ReferenceDataCache;
  agents?: UserAgentClassifier;
};

export function createEnrichHandler({
  pipeline,
  reference,
  agents = new UserAgentClassifier(),
  ...rest
}: EnrichDependencies): StageHandler {
  return createStageHandler({
    ...rest,
    stage: 'enrich',
    run: async (records) => enrichBatch(records, pipeline, await reference.get(), agents),
  });
}

export const handler = lazyHandler(async () =>
  createEnrichHandler({
    pipeline: pipelineFromEnv(),
    publisher: await publisherFromEnv('tributary-enrich'),
    reference: new ReferenceDataCache(storeReferenceData(storeFromEnv())),
    logger: createLogger('enrich'),
    metrics: createMetrics('enrich'),
  }),
);
