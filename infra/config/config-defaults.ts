/**
 * Defaults of every setting, in one place. Precedence, lowest first: these defaults, then the
 * `environments.<environment>` block of the CDK context (cdk.json), then single context keys
 * (`cdk deploy -c kafka.clusterType=provisioned`).
 */
import { DEFAULT_PIPELINE_NAME } from '../../src/pipeline/definition.js';
import type { TributaryConfig } from './tributary-config.js';

export const DEFAULT_CONFIG: TributaryConfig = {
  environment: 'dev',
  pipeline: { name: DEFAULT_PIPELINE_NAME },
  network: { maxAzs: 2, egress: 'endpoints', natGateways: 1 },
  kafka: {
    clusterType: 'serverless',
    kafkaVersion: '3.8.x.kraft',
    brokerInstanceType: 'kafka.m7g.large',
    brokerCount: 2,
    brokerVolumeGiB: 100,
  },
  eventSource: { failureDestination: 'sqs', failureQueueRetentionDays: 14 },
  database: {
    minCapacity: 0.5,
    maxCapacity: 4,
    deletionProtection: true,
    removal: 'snapshot',
    seedReferenceData: false,
    readers: 0,
    backupRetentionDays: 7,
  },
  api: { auth: 'iam', throttleRatePerSecond: 100, throttleBurst: 200 },
  alarms: {
    offsetLagThreshold: 10_000,
    functionErrorsThreshold: 1,
    auroraCapacityPercent: 90,
    freshnessP99Ms: 5_000,
    dlqRecordsPerMinute: 100,
    stalledMinutes: 10,
  },
  logRetentionDays: 30,
  deleteTopicsOnRemoval: false,
};
