/**
 * The configuration of one deployed environment of a pipeline. Read from CDK context and
 * validated by readConfig(); defaults live in config-defaults.ts.
 */

export const CLUSTER_TYPES = ['serverless', 'provisioned'] as const;
/** MSK Serverless (pay per partition-hour and GB) or provisioned MSK brokers. */
export type ClusterType = (typeof CLUSTER_TYPES)[number];

export const EGRESS_MODES = ['endpoints', 'nat'] as const;
/**
 * How the private subnets reach AWS APIs (Lambda and STS for on-demand event source mappings,
 * MSK and Secrets Manager for the functions): interface VPC endpoints, or NAT gateways.
 */
export type EgressMode = (typeof EGRESS_MODES)[number];

export const FAILURE_DESTINATIONS = ['sqs', 'kafka'] as const;
/** Where a mapping sends a batch whose retries ran out: an SQS queue, or the pipeline's `failures` topic. */
export type FailureDestination = (typeof FAILURE_DESTINATIONS)[number];

export const REMOVAL_MODES = ['retain', 'snapshot', 'destroy'] as const;
/** What `cdk destroy` (or a replacement) does to stored data. */
export type RemovalMode = (typeof REMOVAL_MODES)[number];

export const API_AUTH_MODES = ['iam', 'jwt'] as const;
/** How callers of the HTTP APIs are authorised: SigV4-signed requests, or a JWT issuer. */
export type ApiAuthMode = (typeof API_AUTH_MODES)[number];

/** Options handed to definePipeline(); unset ones keep the definition's own defaults. */
export interface PipelineConfig {
  /** @default 'storefront' (DEFAULT_PIPELINE_NAME) */
  readonly name: string;
  /** @default the pipeline definition's default */
  readonly partitions?: number;
  /** @default the pipeline definition's default */
  readonly batchSize?: number;
  /** @default the pipeline definition's default */
  readonly batchingWindowMs?: number;
  /** @default the pipeline definition's default */
  readonly retentionHours?: number;
}

export interface NetworkConfig {
  /**
   * Availability zones to use, by name. Needs `region`. Without it the stack stays
   * environment-agnostic and uses the first `maxAzs` zones of the deployment region.
   * @default - none
   */
  readonly availabilityZones?: readonly string[];
  /** @default 2 */
  readonly maxAzs: number;
  /** @default 'endpoints' */
  readonly egress: EgressMode;
  /** Only with egress 'nat'. @default 1 */
  readonly natGateways: number;
}

export interface KafkaConfig {
  /** @default 'serverless' */
  readonly clusterType: ClusterType;
  /** Provisioned only; KRaft versions (`N.N.x.kraft`, 3.7 or later). @default '3.8.x.kraft' */
  readonly kafkaVersion: string;
  /** Provisioned only. @default 'kafka.m7g.large' */
  readonly brokerInstanceType: string;
  /** Provisioned only; a multiple of the number of availability zones. @default 2 */
  readonly brokerCount: number;
  /** Provisioned only. @default 100 */
  readonly brokerVolumeGiB: number;
  /**
   * Provisioned only: let broker storage grow up to this size per broker (Application Auto Scaling,
   * target tracking on KafkaBrokerStorageUtilization). MSK never shrinks it again.
   * @default - no storage autoscaling
   */
  readonly storageAutoscalingMaxGiB?: number;
}

export interface EventSourceConfig {
  /**
   * Minimum event pollers per mapping. Setting minPollers or maxPollers switches the mappings to
   * provisioned mode, which also applies the definition's retry policy (retries, record age,
   * bisect, partial batch responses) and enables the mapping metrics.
   * @default - on-demand mode
   */
  readonly minPollers?: number;
  /** @default - on-demand mode */
  readonly maxPollers?: number;
  /** 'kafka' needs provisioned mode. @default 'sqs' */
  readonly failureDestination: FailureDestination;
  /** Retention of the failure queue, long enough to replay. @default 14 */
  readonly failureQueueRetentionDays: number;
}

export interface DatabaseConfig {
  /** Aurora Serverless v2 capacity units. @default 0.5 */
  readonly minCapacity: number;
  /** @default 4 */
  readonly maxCapacity: number;
  /** @default true */
  readonly deletionProtection: boolean;
  /** @default 'snapshot' */
  readonly removal: RemovalMode;
  /**
   * Load the sample reference data (products, currency rates, IP ranges) at deploy. Only for
   * environments that ask: cdk.json's dev block does. @default false
   */
  readonly seedReferenceData: boolean;
  /** Aurora Serverless v2 readers, each in another zone than the writer (failover targets). @default 0 */
  readonly readers: number;
  /** Days of automated backups (point-in-time restore within them). @default 7 */
  readonly backupRetentionDays: number;
}

export interface ApiConfig {
  /** @default 'iam' */
  readonly auth: ApiAuthMode;
  /** Issuer URL, with auth 'jwt'. @default - none */
  readonly jwtIssuer?: string;
  /** Accepted audiences, with auth 'jwt'. @default - none */
  readonly jwtAudience?: readonly string[];
  /** Steady-state requests per second per API stage. @default 100 */
  readonly throttleRatePerSecond: number;
  /** @default 200 */
  readonly throttleBurst: number;
}

export interface AlarmConfig {
  /** Alarm when a mapping's OffsetLag (records) stays above this. @default 10000 */
  readonly offsetLagThreshold: number;
  /** Alarm when a function has at least this many errors in 5 minutes. @default 1 */
  readonly functionErrorsThreshold: number;
  /** Alarm when Aurora uses at least this share of its maximum capacity, in percent. @default 90 */
  readonly auroraCapacityPercent: number;
  /** Alarm when the sink's ingest-to-queryable latency p99 stays above this, in milliseconds. @default 5000 */
  readonly freshnessP99Ms: number;
  /** Alarm when the stages send more records than this per minute to the DLQ topic. @default 100 */
  readonly dlqRecordsPerMinute: number;
  /** Alarm when records enter the raw topic but the sink stores none for this many minutes. @default 10 */
  readonly stalledMinutes: number;
  /** Subscribed to the alarm topic when set. @default - no subscription */
  readonly email?: string;
}

export interface TributaryConfig {
  /** Name of the environment (dev, prod, ...); part of the stack and resource names. @default 'dev' */
  readonly environment: string;
  /** @default - the account of the deploying credentials (environment-agnostic stack) */
  readonly account?: string;
  /** @default - the region of the deploying credentials (environment-agnostic stack) */
  readonly region?: string;
  readonly pipeline: PipelineConfig;
  readonly network: NetworkConfig;
  readonly kafka: KafkaConfig;
  readonly eventSource: EventSourceConfig;
  readonly database: DatabaseConfig;
  readonly api: ApiConfig;
  readonly alarms: AlarmConfig;
  /** Retention of every log group, in days (a CloudWatch Logs retention value). @default 30 */
  readonly logRetentionDays: number;
  /** Delete topics when the stack or its topic resource is deleted. @default false */
  readonly deleteTopicsOnRemoval: boolean;
  /**
   * The Firehose archive of the raw and enriched topics (S3 Parquet, Glue tables, Athena).
   * @default absent: off (it needs a provisioned cluster; `-c archive.enabled=true`)
   */
  readonly archive?: { readonly enabled: boolean };
}

/** Whether the event source mappings run in provisioned mode. */
export function usesProvisionedPollers(config: TributaryConfig): boolean {
  return config.eventSource.minPollers !== undefined || config.eventSource.maxPollers !== undefined;
}
