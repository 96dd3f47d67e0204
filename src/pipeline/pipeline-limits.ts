/**
 * The bounds and defaults of the pipeline's tunable settings, in one place: the pipeline
 * definition, the CDK configuration and the `tributary start` options all check against these.
 * The bounds are what AWS enforces (Kafka event source mappings, MSK topics).
 */

export interface Limit {
  readonly min: number;
  readonly max: number;
}

export const PIPELINE_LIMITS = {
  partitions: { min: 1, max: 1000 },
  /** Records per batch of an event source mapping. */
  batchSize: { min: 1, max: 10_000 },
  /** MaximumBatchingWindowInSeconds, in milliseconds. */
  batchingWindowMs: { min: 0, max: 300_000 },
  /** Topic retention: up to a year. */
  retentionHours: { min: 1, max: 8760 },
} as const satisfies Record<string, Limit>;

export type PipelineSetting = keyof typeof PIPELINE_LIMITS;

export const PIPELINE_DEFAULTS: Readonly<Record<PipelineSetting, number>> = {
  partitions: 6,
  batchSize: 500,
  batchingWindowMs: 100,
  retentionHours: 168,
};

/**
 * The local twin runs every partition of every topic on one machine, so it takes fewer than AWS
 * allows.
 */
export const LOCAL_PARTITIONS: Limit = { min: PIPELINE_LIMITS.partitions.min, max: 64 };

/** Whether a value is a whole number within a limit. */
export function withinLimit(value: number, { min, max }: Limit): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
