/** catalogue Lambda: shop products, prices and currency rates (Debezium change events) -> the reference data enrich joins. */

import { type ChangeStageDependencies, createChangeStageHandler } from '../shared/change-stage-handler.js';
import {
  createLogger,
  createMetrics,
  lazyHandler,
  pipelineFromEnv,
  publisherFromEnv,
  storeFromEnv,
} from '../shared/function-environment.js';
import type { StageHandler } from '../shared/stage-handler.js';

export function createCatalogueHandler(deps: ChangeStageDependencies): StageHandler {
  return createChangeStageHandler('catalogue', deps);
}

export const handler = lazyHandler(async () =>
  createCatalogueHandler({
    pipeline: pipelineFromEnv(),
    store: storeFromEnv(),
    publisher: await publisherFromEnv('tributary-catalogue'),
    logger: createLogger('catalogue'),
    metrics: createMetrics('catalogue'),
  }),
);
