/** How the Kafka-triggered functions log and meter a batch's outcome (CloudWatch EMF through Powertools). */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ChangeOutcome } from '../../src/cdc/change-stage.js';
import { dlqTotal, type StageOutcome } from '../../src/stages/stage-outcome.js';

/** ingest, enrich, sink. */
export function reportStageOutcome(outcome: StageOutcome, logger: Logger, metrics: Metrics | undefined): void {
  const { stage } = outcome;
  const dlq = dlqTotal(outcome);
  if (dlq > 0) logger.warn('records sent to the DLQ', { stage, dlq: outcome.dlq });
  logger.debug('batch done', { stage, records: outcome.records, passed: outcome.passed, duplicates: outcome.duplicates });
  if (!metrics) return;
  metrics.addDimension('stage', stage);
  metrics.addMetric('RecordsIn', MetricUnit.Count, outcome.records);
  metrics.addMetric('RecordsOut', MetricUnit.Count, outcome.passed);
  metrics.addMetric('RecordsInvalid', MetricUnit.Count, dlq);
  if (outcome.duplicates !== undefined) metrics.addMetric('RecordsDuplicate', MetricUnit.Count, outcome.duplicates);
  for (const latency of outcome.latenciesMs ?? []) metrics.addMetric('IngestToQueryableLatency', MetricUnit.Milliseconds, latency);
  metrics.publishStoredMetrics();
}

/** The change consumers: catalogue, orders. */
export function reportChangeOutcome(outcome: ChangeOutcome, logger: Logger, metrics: Metrics | undefined): void {
  const { stage } = outcome;
  if (outcome.dlq > 0) logger.warn('records sent to the DLQ', { stage, dlq: outcome.dlq });
  logger.debug('batch done', { stage, records: outcome.records, applied: outcome.applied, stale: outcome.stale });
  if (!metrics) return;
  metrics.addDimension('stage', stage);
  metrics.addMetric('ChangesIn', MetricUnit.Count, outcome.records - outcome.tombstones);
  metrics.addMetric('ChangesApplied', MetricUnit.Count, outcome.applied);
  metrics.addMetric('ChangesStale', MetricUnit.Count, outcome.stale);
  metrics.addMetric('RecordsInvalid', MetricUnit.Count, outcome.dlq);
  for (const latency of outcome.latenciesMs) metrics.addMetric('ChangeToQueryableLatency', MetricUnit.Milliseconds, latency);
  metrics.publishStoredMetrics();
}
