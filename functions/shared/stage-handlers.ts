/**
 * Every Kafka-triggered function's handler, keyed by stage: the local twin, `tributary invoke` and
 * the bench build a stage's handler here, from its ports. A Lambda entry point imports its own
 * stage's factory only, so its bundle holds no other stage's code.
 */

import type { StageHandler } from './batch-handler.js';
import { catalogueHandler, ordersHandler } from './change-stage-handler.js';
import { enrichHandler } from './enrich-handler.js';
import { ingestHandler } from './ingest-handler.js';
import { sinkHandler } from './sink-handler.js';
import type { KafkaStage, StageDependencies, StageHandlerFactory } from './stage-dependencies.js';

export const stageHandlerFactories: { readonly [S in KafkaStage]: StageHandlerFactory<S> } = {
  ingest: ingestHandler,
  enrich: enrichHandler,
  sink: sinkHandler,
  catalogue: catalogueHandler,
  orders: ordersHandler,
};

export function createStageHandler<S extends KafkaStage>(stage: S, deps: StageDependencies<S>): StageHandler {
  const factory: StageHandlerFactory<S> = stageHandlerFactories[stage];
  return factory(deps);
}
