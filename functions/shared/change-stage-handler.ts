/** The change consumers (catalogue, orders): apply a batch of Debezium change events to the store. */
import { applyChangeBatch } from '../../src/cdc/change-stage.js';
import type { ChangeStageName } from '../../src/pipeline/definition.js';
import { createBatchHandler, type StageHandler } from './batch-handler.js';
import { reportChangeOutcome } from './outcome-reports.js';
import type { StageDependencies } from './stage-dependencies.js';

function changeStageHandler(stage: ChangeStageName, { pipeline, store, ...rest }: StageDependencies<ChangeStageName>): StageHandler {
  return createBatchHandler({ ...rest, run: (records) => applyChangeBatch(records, stage, pipeline, store), report: reportChangeOutcome });
}

export const catalogueHandler = (deps: StageDependencies<'catalogue'>): StageHandler => changeStageHandler('catalogue', deps);

export const ordersHandler = (deps: StageDependencies<'orders'>): StageHandler => changeStageHandler('orders', deps);
