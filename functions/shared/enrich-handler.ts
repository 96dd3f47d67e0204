/** enrich: clean -> enriched | dlq, from its ports (the Lambda entry point and the twin share it). */
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import { enrichBatch } from '../../src/stages/enrich.js';
import { createBatchHandler, type StageHandler } from './batch-handler.js';
import { reportStageOutcome } from './outcome-reports.js';
import type { StageDependencies } from './stage-dependencies.js';

export function enrichHandler({
  pipeline,
  reference,
  agents = new UserAgentClassifier(),
  ...rest
}: StageDependencies<'enrich'>): StageHandler {
  return createBatchHandler({
    ...rest,
    run: async (records) => enrichBatch(records, pipeline, await reference.get(), agents),
    report: reportStageOutcome,
  });
}
