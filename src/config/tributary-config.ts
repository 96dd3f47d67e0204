/**
 * The configuration of one deployed environment of a pipeline, as one zod schema: its type, its
 * defaults, its keys and what each setting must be all come from here. Read from CDK context and
 * validated by readConfig(); combinations of settings are checked in config-rules.ts.
 */
import { z } from 'zod';
import { DEFAULT_PIPELINE_NAME } from '../pipeline/definition.js';
import { PIPELINE_LIMITS } from '../pipeline/pipeline-limits.js';
import { booleanSetting, integerSetting, listSetting, oneOfSetting, stepSetting, stringSetting } from './config-fields.js';

/** MSK Serverless (pay per partition-hour and GB) or provisioned MSK brokers. */
export const CLUSTER_TYPES = ['serverless', 'provisioned'] as const;
/**
 * How the private subnets reach AWS APIs (Lambda and STS for on-demand event source mappings,
 * MSK and Secrets Manager for the functions): interface VPC endpoints, or NAT gateways.
 */
export const EGRESS_MODES = ['endpoints', 'nat'] as const;
/** Where a mapping sends a batch whose retries ran out: an SQS queue, or the pipeline's `failures` topic. */
export const FAILURE_DESTINATIONS = ['sqs', 'kafka'] as const;
/** What `cdk destroy` (or a replacement) does to stored data. */
export const REMOVAL_MODES = ['retain', 'snapshot', 'destroy'] as const;
/** How callers of the HTTP APIs are authorised: SigV4-signed requests, or a JWT issuer. */
export const API_AUTH_MODES = ['iam', 'jwt'] as const;

/** CloudWatch Logs' retention values in days (aws-cdk-lib's RetentionDays, checked equal by a test; 9999 = never expire). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999,
];
const KRAFT_VERSION = /^\d+\.\d+\.x\.kraft$/;
const kraftAtLeast37 = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major * 100 + minor >= 307;
};

/** Options handed to definePipeline(); unset ones keep the definition's own defaults. */
const pipelineSection = z.object({
  name: stringSetting().default(DEFAULT_PIPELINE_NAME),
  partitions: integerSetting(PIPELINE_LIMITS.partitions).optional(),
  batchSize: integerSetting(PIPELINE_LIMITS.batchSize).optional(),
  batchingWindowMs: integerSetting(PIPELINE_LIMITS.batchingWindowMs).optional(),
  retentionHours: integerSetting(PIPELINE_LIMITS.retentionHours).optional(),
});

const networkSection = z.object({
  /**
   * Availability zones to use, by name. Needs `region`. Without it the stack stays
   * environment-agnostic and uses the first `maxAzs` zones of the deployment region.
   */
  availabilityZones: listSetting(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'zone names such as eu-west-1a').optional(),
  maxAzs: integerSetting({ min: 2, max: 6 }).default(2),
  egress: oneOfSetting(EGRESS_MODES).default('endpoints'),
  /** Only with egress 'nat'. */
  natGateways: integerSetting({ min: 1, max: 6 }).default(1),
});

/** Every setting but clusterType is for provisioned clusters only. */
const kafkaSection = z.object({
  clusterType: oneOfSetting(CLUSTER_TYPES).default('serverless'),
  kafkaVersion: stringSetting(KRAFT_VERSION, 'a KRaft version such as "3.8.x.kraft"')
    .refine(kraftAtLeast37, { error: 'must be 3.7 or later for KRaft' })
    .default('3.8.x.kraft'),
  brokerInstanceType: stringSetting(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, 'an MSK broker type such as "kafka.m7g.large"').default(
    'kafka.m7g.large',
  ),
  /** A multiple of the number of availability zones. */
  brokerCount: integerSetting({ min: 1, max: 30 }).default(2),
  brokerVolumeGiB: integerSetting({ min: 1, max: 16_384 }).default(100),
  /**
   * Let broker storage grow up to this size per broker (Application Auto Scaling, target tracking
   * on KafkaBrokerStorageUtilization). MSK never shrinks it again. Unset: no storage autoscaling.
   */
  storageAutoscalingMaxGiB: integerSetting({ min: 2, max: 16_384 }).optional(),
});

const eventSourceSection = z.object({
  /**
   * Event pollers per mapping. Setting minPollers or maxPollers switches the mappings to
   * provisioned mode, which also applies the definition's retry policy (retries, record age,
   * bisect, partial batch responses) and enables the mapping metrics. Unset: on-demand mode.
   */
  minPollers: integerSetting({ min: 1, max: 200 }).optional(),
  maxPollers: integerSetting({ min: 1, max: 2000 }).optional(),
  /** 'kafka' needs provisioned mode. */
  failureDestination: oneOfSetting(FAILURE_DESTINATIONS).default('sqs'),
  /** Retention of the failure queue, long enough to replay. */
  failureQueueRetentionDays: integerSetting({ min: 1, max: 14 }).default(14),
});

const databaseSection = z.object({
  /** Aurora Serverless v2 capacity units. */
  minCapacity: stepSetting({ min: 0, max: 256 }, 0.5).default(0.5),
  maxCapacity: stepSetting({ min: 1, max: 256 }, 0.5).default(4),
  deletionProtection: booleanSetting().default(true),
  removal: oneOfSetting(REMOVAL_MODES).default('snapshot'),
  /** Load the sample reference data (products, currency rates, IP ranges) at deploy: cdk.json's dev block does. */
  seedReferenceData: booleanSetting().default(false),
  /** Aurora Serverless v2 readers, each in another zone than the writer (failover targets). */
  readers: integerSetting({ min: 0, max: 15 }).default(0),
  /** Days of automated backups (point-in-time restore within them). */
  backupRetentionDays: integerSetting({ min: 1, max: 35 }).default(7),
});

const apiSection = z.object({
  auth: oneOfSetting(API_AUTH_MODES).default('iam'),
  /** Issuer URL, with auth 'jwt'. */
  jwtIssuer: stringSetting(/^https:\/\/\S+$/, 'an https:// issuer URL').optional(),
  /** Accepted audiences, with auth 'jwt'. */
  jwtAudience: listSetting(/^\S+$/, 'audience strings').optional(),
  /** Steady-state requests per second per API stage. */
  throttleRatePerSecond: integerSetting({ min: 1, max: 10_000 }).default(100),
  throttleBurst: integerSetting({ min: 1, max: 5_000 }).default(200),
});

const alarmSection = z.object({
  /** Alarm when a mapping's OffsetLag (records) stays above this. */
  offsetLagThreshold: integerSetting({ min: 1, max: 1e12 }).default(10_000),
  /** Alarm when a function has at least this many errors in 5 minutes. */
  functionErrorsThreshold: integerSetting({ min: 1, max: 1e9 }).default(1),
  /** Alarm when Aurora uses at least this share of its maximum capacity, in percent. */
  auroraCapacityPercent: integerSetting({ min: 1, max: 100 }).default(90),
  /** Alarm when the sink's ingest-to-queryable latency p99 stays above this, in milliseconds. */
  freshnessP99Ms: integerSetting({ min: 1, max: 86_400_000 }).default(5_000),
  /** Alarm when the stages send more records than this per minute to the DLQ topic. */
  dlqRecordsPerMinute: integerSetting({ min: 1, max: 1e9 }).default(100),
  /** Alarm when records enter the raw topic but the sink stores none for this many minutes. */
  stalledMinutes: integerSetting({ min: 2, max: 1440 }).default(10),
  /** Subscribed to the alarm topic when set. */
  email: stringSetting(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address').optional(),
});

/** The Firehose archive of the raw and enriched topics (S3 Parquet, Glue tables, Athena); needs a provisioned cluster. */
const archiveSection = z.object({
  enabled: booleanSetting().default(false),
});

const ARN = /^arn:aws[a-z-]*:/;
/** Change data capture on AWS (MSK Connect + Debezium, catalogue and orders stages); docs/cdc.md. */
const cdcSection = z.object({
  enabled: booleanSetting().default(false),
  /** S3 bucket holding the Debezium PostgreSQL connector plugin ZIP. */
  pluginBucketArn: stringSetting(ARN, 'the ARN of the S3 bucket holding the Debezium plugin ZIP').optional(),
  /** Key of the ZIP in that bucket. */
  pluginKey: stringSetting(/\S/, 'a non-empty string').optional(),
  /** An existing source instead of a new Aurora cluster: its host name. */
  sourceHost: stringSetting(/^[A-Za-z0-9.-]+$/, 'a host name').optional(),
  sourcePort: integerSetting({ min: 1, max: 65_535 }).default(5432),
  sourceDatabase: stringSetting(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a PostgreSQL database name').default('shop'),
  /** Secret with `username` and `password` of a user with REPLICATION (rds_replication on RDS). */
  sourceSecretArn: stringSetting(ARN, 'the ARN of a Secrets Manager secret').optional(),
  /** MSK Connect workers (1 MCU each). */
  workers: integerSetting({ min: 1, max: 10 }).default(1),
});

/** The sections of settings, each read from `section.key` context keys or a nested object. */
const SECTIONS = {
  pipeline: pipelineSection,
  network: networkSection,
  kafka: kafkaSection,
  eventSource: eventSourceSection,
  database: databaseSection,
  api: apiSection,
  alarms: alarmSection,
  archive: archiveSection,
  cdc: cdcSection,
} as const;

export const tributaryConfigSchema = z.object({
  /** Name of the environment (dev, prod, ...); part of the stack and resource names. */
  environment: stringSetting(/^[a-z][a-z0-9-]{0,15}$/, '1-16 lowercase letters, digits or hyphens starting with a letter').default('dev'),
  /** Unset: the account of the deploying credentials (environment-agnostic stack). */
  account: stringSetting(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
  /** Unset: the region of the deploying credentials (environment-agnostic stack). */
  region: stringSetting(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region name such as eu-west-1').optional(),
  pipeline: pipelineSection.prefault({}),
  network: networkSection.prefault({}),
  kafka: kafkaSection.prefault({}),
  eventSource: eventSourceSection.prefault({}),
  database: databaseSection.prefault({}),
  api: apiSection.prefault({}),
  alarms: alarmSection.prefault({}),
  /** Retention of every log group, in days (a CloudWatch Logs retention value). */
  logRetentionDays: integerSetting({ min: 1, max: 9999 })
    .refine((days) => LOG_RETENTION_DAYS.includes(days), {
      error: `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')})`,
    })
    .default(30),
  /** Delete topics when the stack or its topic resource is deleted. */
  deleteTopicsOnRemoval: booleanSetting().default(false),
  /** Absent unless enabled. */
  archive: archiveSection.prefault({}).transform((archive) => (archive.enabled ? archive : undefined)),
  cdc: cdcSection.prefault({}),
});

export type TributaryConfig = z.infer<typeof tributaryConfigSchema>;
export type ClusterType = TributaryConfig['kafka']['clusterType'];
export type RemovalMode = TributaryConfig['database']['removal'];
export type NetworkConfig = TributaryConfig['network'];
export type KafkaConfig = TributaryConfig['kafka'];
export type DatabaseConfig = TributaryConfig['database'];
export type ApiConfig = TributaryConfig['api'];
export type AlarmConfig = TributaryConfig['alarms'];
export type ChangeDataCaptureConfig = TributaryConfig['cdc'];

/** Every context key the configuration reads, `section.key` for the settings of a section. */
export const CONFIG_KEYS: readonly string[] = Object.keys(tributaryConfigSchema.shape).flatMap((key) =>
  key in SECTIONS ? Object.keys(SECTIONS[key as keyof typeof SECTIONS].shape).map((setting) => `${key}.${setting}`) : [key],
);
export const CONFIG_SECTIONS: readonly string[] = Object.keys(SECTIONS);

/**
 * Defaults of every setting. Precedence, lowest first: these defaults, then the
 * `environments.<environment>` block of the CDK context (cdk.json), then single context keys
 * (`cdk deploy -c kafka.clusterType=provisioned`).
 */
export const DEFAULT_CONFIG: TributaryConfig = tributaryConfigSchema.parse({});

/** Whether the event source mappings run in provisioned mode. */
export function usesProvisionedPollers(config: TributaryConfig): boolean {
  return config.eventSource.minPollers !== undefined || config.eventSource.maxPollers !== undefined;
}
