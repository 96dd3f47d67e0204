/**
 * The business metrics the stage functions emit with Powertools metrics (EMF, see
 * functions/shared/outcome-reports.ts) into the namespace in POWERTOOLS_METRICS_NAMESPACE, with the
 * dimensions `service` and `stage` both set to the stage name. The dashboard reads them by these names.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { StageName } from '../../src/pipeline/definition.js';

export const BusinessMetric = {
  /** Records a stage received (Count). */
  recordsIn: 'RecordsIn',
  /** Records a stage passed on, or the sink newly stored (Count). */
  recordsOut: 'RecordsOut',
  /** Records a stage sent to the DLQ topic (Count). */
  recordsInvalid: 'RecordsInvalid',
  /** Sink: records already stored, redelivered or duplicated by a producer (Count). */
  recordsDuplicate: 'RecordsDuplicate',
  /** Sink: time from entering the raw topic to being queryable, per newly stored event (Milliseconds). */
  ingestToQueryable: 'IngestToQueryableLatency',
} as const;
export type BusinessMetric = (typeof BusinessMetric)[keyof typeof BusinessMetric];

/** A business metric of one stage, summed or as a statistic per period. */
export function businessMetric(
  namespace: string,
  name: BusinessMetric,
  stage: StageName,
  statistic = 'Sum',
  period = Duration.minutes(1),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName: name,
    dimensionsMap: { service: stage, stage },
    statistic,
    period,
    label: stage,
  });
}
