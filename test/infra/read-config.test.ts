/** Configuration from CDK context: defaults, precedence, parsing of CLI strings, and every kind of rejection. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/functions/function-bundling.js';
import { readConfig, TributaryConfigError } from '../../src/config/read-config.js';
import { DEFAULT_CONFIG, LOG_RETENTION_DAYS } from '../../src/config/tributary-config.js';

const rejects = (context: Record<string, unknown>) => {
  try {
    readConfig(context);
  } catch (error) {
    if (error instanceof TributaryConfigError) return error;
    throw error;
  }
  throw new Error('configuration was accepted');
};

describe('readConfig', () => {
  it('gives the defaults for an empty context, ignoring CDK keys it does not own', () => {
    expect(readConfig({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': ['*'] })).toEqual(DEFAULT_CONFIG);
  });

  it('reads CLI strings (`-c key=value`) as numbers, booleans and lists', () => {
    const config = readConfig({
      'kafka.clusterType': 'provisioned',
      'kafka.brokerCount': '4',
      'database.minCapacity': '1.5',
      'database.deletionProtection': 'false',
      'api.auth': 'jwt',
      'api.jwtIssuer': 'https://issuer.example.com',
      'api.jwtAudience': 'web, mobile',
      'pipeline.batchSize': '1000',
    });
    expect(config.kafka).toMatchObject({ clusterType: 'provisioned', brokerCount: 4 });
    expect(config.database).toMatchObject({ minCapacity: 1.5, deletionProtection: false });
    expect(config.api).toMatchObject({ auth: 'jwt', jwtAudience: ['web', 'mobile'] });
    expect(config.pipeline).toEqual({ name: 'storefront', batchSize: 1000 });
  });

  it('applies defaults, then the environment block, then single keys', () => {
    const context = {
      environment: 'prod',
      environments: {
        prod: { kafka: { clusterType: 'provisioned', brokerCount: 2 }, logRetentionDays: 90, 'alarms.offsetLagThreshold': 500 },
        dev: { logRetentionDays: 7 },
      },
      'alarms.offsetLagThreshold': '250',
    };
    const config = readConfig(context);
    expect(config.environment).toBe('prod');
    expect(config.kafka.clusterType).toBe('provisioned');
    expect(config.logRetentionDays).toBe(90);
    expect(config.alarms.offsetLagThreshold).toBe(250);
    expect(config.database).toEqual(DEFAULT_CONFIG.database);
  });

  it('names the key, the allowed values and the value given', () => {
    expect(() => readConfig({ 'kafka.clusterType': 'huge' })).toThrow(
      'invalid configuration for environment "dev": kafka.clusterType must be one of "serverless", "provisioned", got "huge"',
    );
    expect(() => readConfig({ 'database.maxCapacity': '3.3' })).toThrow(
      'database.maxCapacity must be a multiple of 0.5 from 1 to 256, got "3.3"',
    );
    expect(() => readConfig({ logRetentionDays: 10 })).toThrow(/logRetentionDays must be a CloudWatch Logs retention \(1, 3, 5, 7, 14, 30/);
    expect(() => readConfig({ 'database.deletionProtection': 'no' })).toThrow(
      'database.deletionProtection must be true or false, got "no"',
    );
  });

  it('reports every problem at once', () => {
    const error = rejects({ 'kafka.clusterType': 'huge', 'alarms.email': 'nobody', 'eventSource.maxPollers': 0 });
    expect(error.problems).toEqual([
      'kafka.clusterType must be one of "serverless", "provisioned", got "huge"',
      'eventSource.maxPollers must be an integer from 1 to 2000, got 0',
      'alarms.email must be an email address, got "nobody"',
    ]);
  });

  it('rejects keys that are not settings, so a typo is never ignored', () => {
    expect(() => readConfig({ 'kafka.clustertype': 'provisioned' })).toThrow(
      /kafka.clustertype is not a setting \(known: environment, account/,
    );
    expect(() => readConfig({ environments: { dev: { database: { minCapcity: 1 } } } })).toThrow(/database.minCapcity is not a setting/);
  });

  it('rejects combinations that cannot work', () => {
    expect(() => readConfig({ 'eventSource.failureDestination': 'kafka' })).toThrow(
      'eventSource.failureDestination "kafka" needs provisioned mode: set eventSource.minPollers and/or eventSource.maxPollers',
    );
    expect(() => readConfig({ 'eventSource.minPollers': 5, 'eventSource.maxPollers': 2 })).toThrow(
      'eventSource.minPollers must not exceed eventSource.maxPollers (5 > 2)',
    );
    expect(() => readConfig({ 'kafka.clusterType': 'provisioned', 'kafka.brokerCount': 3 })).toThrow(
      'kafka.brokerCount must be a multiple of the 2 availability zones, got 3',
    );
    expect(() => readConfig({ 'kafka.brokerCount': 4 })).toThrow('kafka.brokerCount applies only with kafka.clusterType "provisioned"');
    expect(() => readConfig({ 'kafka.clusterType': 'provisioned', 'kafka.kafkaVersion': '3.6.x.kraft' })).toThrow(
      'kafka.kafkaVersion must be 3.7 or later for KRaft, got "3.6.x.kraft"',
    );
    expect(() => readConfig({ 'api.auth': 'jwt' })).toThrow(/api.jwtIssuer is required with api.auth "jwt"; api.jwtAudience is required/);
    expect(() => readConfig({ 'kafka.storageAutoscalingMaxGiB': 500 })).toThrow(
      'kafka.storageAutoscalingMaxGiB applies only with kafka.clusterType "provisioned"',
    );
    expect(() => readConfig({ 'kafka.clusterType': 'provisioned', 'kafka.storageAutoscalingMaxGiB': 100 })).toThrow(
      'kafka.storageAutoscalingMaxGiB must exceed kafka.brokerVolumeGiB (100), got 100',
    );
    expect(() => readConfig({ 'database.backupRetentionDays': 36 })).toThrow(
      'database.backupRetentionDays must be an integer from 1 to 35, got 36',
    );
    expect(() => readConfig({ 'network.availabilityZones': 'eu-west-1a,eu-west-1b' })).toThrow(
      'network.availabilityZones needs region to be set',
    );
    expect(() => readConfig({ region: 'eu-west-1', 'network.availabilityZones': ['eu-west-1a', 'us-east-1b'] })).toThrow(
      'network.availabilityZones must all be in region eu-west-1, got eu-west-1a, us-east-1b',
    );
    expect(() => readConfig({ 'database.minCapacity': 8, 'database.maxCapacity': 4 })).toThrow(
      'database.minCapacity must not exceed database.maxCapacity (8 > 4)',
    );
    expect(() => readConfig({ 'network.natGateways': 1 })).toThrow('network.natGateways applies only with network.egress "nat"');
  });

  it('passes pipeline options through the pipeline definition and reports what it rejects', () => {
    expect(() => readConfig({ 'pipeline.name': 'Bad Name' })).toThrow(/pipeline pipeline name must be 2-31 lowercase letters/);
    expect(() => readConfig({ 'pipeline.batchingWindowMs': 400_000 })).toThrow(
      'pipeline.batchingWindowMs must be an integer from 0 to 300000, got 400000',
    );
  });

  it('takes three zones without an account or region (the stack picks them from Fn::GetAZs at deploy)', () => {
    const config = readConfig({ 'network.maxAzs': 3, 'kafka.clusterType': 'provisioned', 'kafka.brokerCount': 3 });
    expect(config.network.maxAzs).toBe(3);
    expect(() => readConfig({ 'network.maxAzs': 3, 'kafka.clusterType': 'provisioned', 'kafka.brokerCount': 2 })).toThrow(
      'kafka.brokerCount must be a multiple of the 3 availability zones, got 2',
    );
  });

  it('seeds sample reference data only where asked', () => {
    expect(readConfig({}).database.seedReferenceData).toBe(false);
    expect(readConfig({ 'database.seedReferenceData': 'true' }).database.seedReferenceData).toBe(true);
  });

  it('rejects a malformed environment name or block', () => {
    expect(() => readConfig({ environment: 'Prod!' })).toThrow(/environment must be 1-16 lowercase letters/);
    expect(() => readConfig({ environments: { dev: 'big' } })).toThrow('environments.dev must be an object, got "big"');
  });
});

describe('the CDK app', () => {
  it('refuses invalid context with one clear line and no stack trace, before building anything', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'infra', 'app.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ 'kafka.clusterType': 'huge' }),
        CDK_OUTDIR: join(PROJECT_ROOT, 'cdk.out', 'rejected'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: invalid configuration for environment "dev": kafka.clusterType must be one of "serverless", "provisioned", got "huge"',
    );
  });
});

describe('log retention values', () => {
  it('are exactly CloudWatch Logs retention values as aws-cdk-lib knows them', () => {
    const cdkValues = Object.values(RetentionDays)
      .filter((v): v is number => typeof v === 'number')
      .sort((a, b) => a - b);
    expect([...LOG_RETENTION_DAYS]).toEqual(cdkValues);
  });
});
