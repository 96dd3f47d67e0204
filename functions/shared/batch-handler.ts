/**
 * The Lambda side of every Kafka-triggered function: decode the MSK event, run the stage, publish
 * what it produced, report the outcome. Throws only when something transient failed (broker or
 * store), so the event source mapping retries the batch; bad records never make it throw.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaBatchResponse, KafkaRecord, MskEvent, OutputRecord } from '../../src/kafka/msk-event.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';

/** `context` is Lambda's; callers without one (tests, the bench) leave it out. */
export type StageHandler = (event: MskEvent, context?: Context) => Promise<KafkaBatchResponse>;

/** What every stage's handler is given, whatever the stage needs besides. */
export interface HandlerDependencies<Outcome> {
  pipeline: PipelineDefinition;
  publisher: RecordPublisher;
  logger: Logger;
  /** Powertools metrics on AWS; absent in the local twin, which aggregates outcomes itself. */
  metrics?: Metrics;
  onOutcome?: (outcome: Outcome) => void;
}

export interface BatchResult<Outcome> {
  readonly outputs: OutputRecord[];
  readonly outcome: Outcome;
}

export interface BatchHandlerOptions<Outcome> extends Omit<HandlerDependencies<Outcome>, 'pipeline'> {
  run: (records: KafkaRecord[]) => Promise<BatchResult<Outcome>> | BatchResult<Outcome>;
  /** Logs and meters what the batch did. */
  report: (outcome: Outcome, logger: Logger, metrics: Metrics | undefined) => void;
}

export function createBatchHandler<Outcome>(options: BatchHandlerOptions<Outcome>): StageHandler {
  const { run, report, publisher, logger, metrics, onOutcome } = options;
  return async (event, context) => {
    if (context) {
      logger.addContext(context); // request id, function name and cold start on every line logged
      metrics?.captureColdStartMetric(context.functionName);
    }
    const { outputs, outcome } = await run(decodeMskEvent(event));
    await publisher.publish(outputs);
    report(outcome, logger, metrics);
    onOutcome?.(outcome);
    return { batchItemFailures: [] };
  };
}
