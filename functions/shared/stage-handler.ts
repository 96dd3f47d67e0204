/**
 * The Lambda side of a Kafka-triggered stage: decode the MSK event, run the stage's core, publish
 * what it produced, log and meter the outcome. Throws only when something transient failed (broker
 * or store), so the event source mapping retries the batch; bad records never make it throw.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaBatchResponse, KafkaRecord, MskEvent } from '../../src/kafka/msk-event.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import type { StageName } from '../../src/pipeline/definition.js';
import { dlqTotal, type StageBatchResult, type StageOutcome } from '../../src/stages/stage-outcome.js';

export type StageHandler = (event: MskEvent) => Promise<KafkaBatchResponse>;

export interface StageHandlerOptions {
  stage: StageName;
  run: (records: KafkaRecord[]) => Promise<StageBatchResult> | StageBatchResult;
  publisher: RecordPublisher;
  logger: Logger;
  /** Powertools metrics on AWS; absent in the local twin, which aggregates outcomes itself. */
  metrics?: Metrics;
  onOutcome?: (outcome: StageOutcome) => void;
}

export function createStageHandler(options: StageHandlerOptions): StageHandler {
  const { stage, run, publisher, logger, metrics, onOutcome } = options;
  return async (event) => {
    const records = decodeMskEvent(event);
    const { outputs, outcome } = await run(records);
    await publisher.publish(outputs);
    const dlq = dlqTotal(outcome);
    if (dlq > 0) logger.warn('records sent to the DLQ', { stage, dlq: outcome.dlq });
    logger.debug('batch done', { stage, records: outcome.records, passed: outcome.passed, duplicates: outcome.duplicates });
    if (metrics) {
      metrics.addDimension('stage', stage);
      metrics.addMetric('RecordsIn', MetricUnit.Count, outcome.records);
      metrics.addMetric('RecordsOut', MetricUnit.Count, outcome.passed);
      metrics.addMetric('RecordsInvalid', MetricUnit.Count, dlq);
      if (outcome.duplicates !== undefined) metrics.addMetric('RecordsDuplicate', MetricUnit.Count, outcome.duplicates);
      for (const latency of outcome.latenciesMs ?? []) metrics.addMetric('IngestToQueryableLatency', MetricUnit.Milliseconds, latency);
      metrics.publishStoredMetrics();
    }
    onOutcome?.(outcome);
    return { batchItemFailures: [] };
  };
}
