/** sink: enriched -> analytics store, from its ports (the Lambda entry point and the twin share it). */
import { sinkBatch } from '../../src/stages/sink.js';
import { createBatchHandler, type StageHandler } from './batch-handler.js';
import { reportStageOutcome } from './outcome-reports.js';
import type { StageDependencies } from './stage-dependencies.js';

export function sinkHandler({ pipeline, store, ...rest }: StageDependencies<'sink'>): StageHandler {
  return createBatchHandler({ ...rest, run: (records) => sinkBatch(records, pipeline, store), report: reportStageOutcome });
}
