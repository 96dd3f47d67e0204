/** ingest: raw -> clean | dlq, from its ports (the Lambda entry point and the twin share it). */
import { ingestBatch } from '../../src/stages/ingest.js';
import { createBatchHandler, type StageHandler } from './batch-handler.js';
import { reportStageOutcome } from './outcome-reports.js';
import type { StageDependencies } from './stage-dependencies.js';

export function ingestHandler({ pipeline, ...rest }: StageDependencies<'ingest'>): StageHandler {
  return createBatchHandler({ ...rest, run: (records) => ingestBatch(records, pipeline), report: reportStageOutcome });
}
