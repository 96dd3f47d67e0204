/** orders Lambda: shop orders and order lines (Debezium change events) -> the order mirror in the analytics store. */

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

export function createOrdersHandler(deps: ChangeStageDependencies): StageHandler {
  return createChangeStageHandler('orders', deps);
}

export const handler = lazyHandler(async () =>
  createOrdersHandler({
    pipeline: pipelineFromEnv(),
    store: storeFromEnv(),
    publisher: await publisherFromEnv('tributary-orders'),
    logger: createLogger('orders'),
    metrics: createMetrics('orders'),
  }),
);
