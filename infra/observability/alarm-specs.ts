/**
 * What each alarm of the pipeline watches, one builder per kind. A spec names the alarm (its
 * construct id and the suffix of its alarm name), its metric and its threshold; PipelineAlarms
 * creates them, in the order given here.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmConfig } from '../../src/config/tributary-config.js';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import { BusinessMetric, businessMetric } from './business-metrics.js';
import { mappingMetric, type ObservedPipeline, offsetLagMetric, topicMessagesInMetric } from './observed-pipeline.js';

export interface AlarmSpec {
  readonly name: string;
  readonly metric: cloudwatch.IMetric;
  readonly options: Omit<cloudwatch.CreateAlarmOptions, 'alarmName'>;
}

export interface AlarmInputs {
  readonly observed: ObservedPipeline;
  readonly config: AlarmConfig;
  /** Aurora's maximum capacity (ACU). */
  readonly databaseMaxCapacity: number;
}

/** Metrics one metric math alarm may use (a CloudWatch limit). */
const METRICS_PER_ALARM = 10;
const FIVE_MINUTES = Duration.minutes(5);
const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The sum of the metrics, missing data counted as 0. */
const sumOf = (usingMetrics: Record<string, cloudwatch.IMetric>, label: string) =>
  new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label,
    period: FIVE_MINUTES,
  });

function offsetLagAlarms({ observed, config }: AlarmInputs): AlarmSpec[] {
  return STAGE_NAMES.flatMap((stage): AlarmSpec[] => {
    const fn = observed.stageFunctions.get(stage);
    if (!fn) return [];
    const options = {
      alarmDescription: `Mapping of ${stage} is more than ${config.offsetLagThreshold} records behind ${observed.pipeline.stages[stage].inputTopic} for 5 minutes, or reports no OffsetLag at all (it cannot reach the cluster: authentication, network)`,
      threshold: config.offsetLagThreshold,
      comparisonOperator: ABOVE,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    };
    return [{ name: `${stage}-offset-lag`, metric: offsetLagMetric(fn), options }];
  });
}

function flowAlarms({ observed, config }: AlarmInputs): AlarmSpec[] {
  const ns = observed.metricsNamespace;
  const rawTopic = observed.pipeline.topics.raw.name;
  const stalled = new cloudwatch.MathExpression({
    expression: 'IF(FILL(rawIn, 0) > 0 AND FILL(stored, 0) == 0, 1, 0)',
    usingMetrics: { rawIn: topicMessagesInMetric(observed, rawTopic), stored: businessMetric(ns, BusinessMetric.recordsOut, 'sink') },
    label: 'records into raw, none stored',
    period: Duration.minutes(1),
  });
  const invalid = Object.fromEntries(
    STAGE_NAMES.map((stage) => [`${stage}Invalid`, businessMetric(ns, BusinessMetric.recordsInvalid, stage, 'Sum', FIVE_MINUTES)]),
  );
  return [
    {
      name: 'pipeline-stalled',
      metric: stalled,
      options: {
        alarmDescription: `Records entered ${rawTopic} every minute for ${config.stalledMinutes} minutes and the sink stored none`,
        threshold: 1,
        comparisonOperator: AT_LEAST,
        evaluationPeriods: config.stalledMinutes,
      },
    },
    {
      name: 'freshness-p99',
      metric: businessMetric(ns, BusinessMetric.ingestToQueryable, 'sink', 'p99'),
      options: {
        alarmDescription: `Ingest-to-queryable latency p99 above ${config.freshnessP99Ms} ms for 5 minutes`,
        threshold: config.freshnessP99Ms,
        comparisonOperator: ABOVE,
        evaluationPeriods: 5,
      },
    },
    {
      name: 'dlq-rate',
      metric: sumOf(invalid, 'records to the DLQ per 5 minutes'),
      options: {
        alarmDescription: `The stages sent more than ${config.dlqRecordsPerMinute} records a minute to ${observed.pipeline.topics.dlq.name} over 5 minutes`,
        threshold: config.dlqRecordsPerMinute * 5,
        comparisonOperator: ABOVE,
        evaluationPeriods: 1,
      },
    },
  ];
}

function functionAlarms({ observed, config }: AlarmInputs): AlarmSpec[] {
  const errors = [...observed.functions].map(([name, fn]) => ({
    name: `${name}-errors`,
    metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    options: {
      alarmDescription: `Function ${name} raised at least ${config.functionErrorsThreshold} errors in 5 minutes`,
      threshold: config.functionErrorsThreshold,
      comparisonOperator: AT_LEAST,
      evaluationPeriods: 1,
    },
  }));
  const throttles = chunks([...observed.functions], METRICS_PER_ALARM).map((group, i) => ({
    name: i === 0 ? 'throttles' : `throttles-${i + 1}`,
    metric: sumOf(
      Object.fromEntries(group.map(([, fn], j) => [`t${j}`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' })])),
      'throttled invocations',
    ),
    options: {
      alarmDescription: `Lambda throttled an invocation of ${group.map(([name]) => name).join(', ')} in 5 minutes (concurrency limit)`,
      threshold: 1,
      comparisonOperator: AT_LEAST,
      evaluationPeriods: 1,
    },
  }));
  return [...errors, ...throttles];
}

function apiAlarms({ observed }: AlarmInputs): AlarmSpec[] {
  return [...observed.apis].map(([name, api]) => ({
    name: `${name}-api-5xx`,
    metric: api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    options: {
      alarmDescription: `The ${name} API answered 5xx in the last 5 minutes (function error or timeout, or Kafka/store unreachable)`,
      threshold: 1,
      comparisonOperator: AT_LEAST,
      evaluationPeriods: 1,
    },
  }));
}

/** Batches out of retries: in the failure queue, or delivered to the failures topic per mapping. */
function failedBatchAlarms({ observed }: AlarmInputs): AlarmSpec[] {
  const once = { threshold: 1, comparisonOperator: AT_LEAST, evaluationPeriods: 1 };
  if (observed.failureQueue) {
    return [
      {
        name: 'failure-queue-not-empty',
        metric: observed.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        options: { alarmDescription: 'A batch ran out of retries: its description is in the failure queue', ...once },
      },
    ];
  }
  return [...observed.mappings].map(([stage, mapping]) => ({
    name: `${stage}-failed-records`,
    metric: mappingMetric(mapping, 'OnFailureDestinationDeliveredEventCount'),
    options: { alarmDescription: `Records of ${stage} ran out of retries and went to ${observed.pipeline.topics.failures.name}`, ...once },
  }));
}

function auroraAlarms({ observed, config, databaseMaxCapacity }: AlarmInputs): AlarmSpec[] {
  return [
    {
      name: 'aurora-capacity',
      metric: observed.database.metric('ACUUtilization', { period: FIVE_MINUTES, statistic: 'Maximum' }),
      options: {
        alarmDescription: `Aurora uses at least ${config.auroraCapacityPercent}% of its ${databaseMaxCapacity} ACU maximum`,
        threshold: config.auroraCapacityPercent,
        comparisonOperator: AT_LEAST,
        evaluationPeriods: 3,
      },
    },
  ];
}

/** Every alarm of the pipeline, in order. */
export function alarmSpecs(inputs: AlarmInputs): AlarmSpec[] {
  return [offsetLagAlarms, flowAlarms, functionAlarms, apiAlarms, failedBatchAlarms, auroraAlarms].flatMap((build) => build(inputs));
}
