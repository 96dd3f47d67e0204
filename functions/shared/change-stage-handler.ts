/**
 * The Lambda side of a change consumer (catalogue, orders): decode the MSK event, apply the batch,
 * publish DLQ records, log and meter. Throws only when the store or Kafka failed.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { applyChangeBatch, type ChangeOutcome } from '../../src/cdc/change-stage.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import type { ChangeStageName, PipelineDefinition } from '../../src/pipeline/definition.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import type { StageHandler } from './stage-handler.js';

export interface ChangeStageDependencies {
  pipeline: PipelineDefinition;
  store: SqlClient;
  publisher: RecordPublisher;
  logger: Logger;
  metrics?: Metrics;
  onOutcome?: (outcome: ChangeOutcome) => void;
}

export function createChangeStageHandler(stage: ChangeStageName, deps: ChangeStageDependencies): StageHandler {
  const { pipeline, store, publisher, logger, metrics, onOutcome } = deps;
  return async (event) => {
    const { outputs, outcome } = await applyChangeBatch(decodeMskEvent(event), stage, pipeline, store);
    await publisher.publish(outputs);
    if (outcome.dlq > 0) logger.warn('records sent to the DLQ', { stage, dlq: outcome.dlq });
    logger.debug('batch done', { stage, records: outcome.records, applied: outcome.applied, stale: outcome.stale });
    if (metrics) {
      metrics.addDimension('stage', stage);
      metrics.addMetric('ChangesIn', MetricUnit.Count, outcome.records - outcome.tombstones);
      metrics.addMetric('ChangesApplied', MetricUnit.Count, outcome.applied);
      metrics.addMetric('ChangesStale', MetricUnit.Count, outcome.stale);
      metrics.addMetric('RecordsInvalid', MetricUnit.Count, outcome.dlq);
      for (const latency of outcome.latenciesMs) metrics.addMetric('ChangeToQueryableLatency', MetricUnit.Milliseconds, latency);
      metrics.publishStoredMetrics();
    }
    onOutcome?.(outcome);
    return { batchItemFailures: [] };
  };
}
