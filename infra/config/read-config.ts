/**
 * Reads the configuration of one environment from CDK context and validates all of it before any
 * resource is built. Every problem is reported at once, each naming its context key.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { definePipeline, PipelineDefinitionError } from '../../src/pipeline/definition.js';
import { DEFAULT_CONFIG } from './config-defaults.js';
import {
  API_AUTH_MODES,
  CLUSTER_TYPES,
  EGRESS_MODES,
  FAILURE_DESTINATIONS,
  REMOVAL_MODES,
  type TributaryConfig,
} from './tributary-config.js';

export class TributaryConfigError extends Error {
  readonly problems: readonly string[];
  constructor(environment: string, problems: readonly string[]) {
    super(`invalid configuration for environment "${environment}": ${problems.join('; ')}`);
    this.name = 'TributaryConfigError';
    this.problems = problems;
  }
}

/** Context keys this module reads; the settings of a section must be among them. */
export const CONFIG_KEYS = [
  'environment',
  'account',
  'region',
  'pipeline.name',
  'pipeline.partitions',
  'pipeline.batchSize',
  'pipeline.batchingWindowMs',
  'pipeline.retentionHours',
  'network.availabilityZones',
  'network.maxAzs',
  'network.egress',
  'network.natGateways',
  'kafka.clusterType',
  'kafka.kafkaVersion',
  'kafka.brokerInstanceType',
  'kafka.brokerCount',
  'kafka.brokerVolumeGiB',
  'kafka.storageAutoscalingMaxGiB',
  'eventSource.minPollers',
  'eventSource.maxPollers',
  'eventSource.failureDestination',
  'eventSource.failureQueueRetentionDays',
  'database.minCapacity',
  'database.maxCapacity',
  'database.deletionProtection',
  'database.removal',
  'database.seedReferenceData',
  'database.readers',
  'database.backupRetentionDays',
  'api.auth',
  'api.jwtIssuer',
  'api.jwtAudience',
  'api.throttleRatePerSecond',
  'api.throttleBurst',
  'alarms.offsetLagThreshold',
  'alarms.functionErrorsThreshold',
  'alarms.auroraCapacityPercent',
  'alarms.freshnessP99Ms',
  'alarms.dlqRecordsPerMinute',
  'alarms.stalledMinutes',
  'alarms.email',
  'archive.enabled',
  'logRetentionDays',
  'deleteTopicsOnRemoval',
] as const;
type ConfigKey = (typeof CONFIG_KEYS)[number];

const SECTIONS = new Set(['pipeline', 'network', 'kafka', 'eventSource', 'database', 'api', 'alarms', 'archive']);
const KNOWN_KEYS = new Set<string>(CONFIG_KEYS);
/** Context key holding per-environment blocks: `{"environments": {"prod": {"kafka": {...}}}}`. */
export const ENVIRONMENTS_KEY = 'environments';

const ENVIRONMENT_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;
const LOG_RETENTION_DAYS = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

/** Flattens nested objects into dotted keys; arrays and scalars are values. */
function flatten(value: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, inner] of flatten(v as Record<string, unknown>, path)) out.set(k, inner);
    } else {
      out.set(path, v);
    }
  }
  return out;
}

const isOurs = (key: string): boolean => KNOWN_KEYS.has(key) || SECTIONS.has(key.split('.')[0] ?? '');
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** Collects typed values and problems; never throws until done. */
class ContextReader {
  readonly problems: string[] = [];
  constructor(private readonly values: ReadonlyMap<string, unknown>) {}

  private raw(key: ConfigKey): unknown {
    return this.values.get(key);
  }

  has(key: ConfigKey): boolean {
    return this.raw(key) !== undefined;
  }

  problem(key: ConfigKey | string, message: string): void {
    this.problems.push(`${key} ${message}`);
  }

  string(key: ConfigKey, fallback: string, pattern?: RegExp, describe?: string): string {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
      this.problem(key, `must be ${describe ?? 'a string'}, got ${show(v)}`);
      return fallback;
    }
    return v;
  }

  optionalString(key: ConfigKey, pattern: RegExp, describe: string): string | undefined {
    if (!this.has(key)) return undefined;
    return this.string(key, '', pattern, describe) || undefined;
  }

  oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.problem(key, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`);
    return fallback;
  }

  number(key: ConfigKey, fallback: number, min: number, max: number, opts: { integer?: boolean; step?: number } = {}): number {
    const v = this.readNumber(key, min, max, opts);
    return v ?? fallback;
  }

  optionalNumber(key: ConfigKey, min: number, max: number, opts: { integer?: boolean } = {}): number | undefined {
    return this.readNumber(key, min, max, opts);
  }

  private readNumber(key: ConfigKey, min: number, max: number, opts: { integer?: boolean; step?: number }): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    const integer = opts.integer ?? true;
    const kind = integer ? 'an integer' : opts.step ? `a multiple of ${opts.step}` : 'a number';
    const badStep = opts.step !== undefined && Math.abs(n / opts.step - Math.round(n / opts.step)) > 1e-9;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || badStep || n < min || n > max) {
      this.problem(key, `must be ${kind} from ${min} to ${max}, got ${show(v)}`);
      return undefined;
    }
    return n;
  }

  boolean(key: ConfigKey, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.problem(key, `must be true or false, got ${show(v)}`);
    return fallback;
  }

  /** A JSON array of strings, or a comma-separated string. */
  optionalList(key: ConfigKey, item: RegExp, describe: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const list =
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : v;
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && item.test(s))) {
      this.problem(key, `must be a non-empty list of ${describe}, got ${show(v)}`);
      return undefined;
    }
    return list as string[];
  }
}

/** Reads and validates the configuration from the whole CDK context (`app.node.getAllContext()`). */
export function readConfig(context: Record<string, unknown>): TributaryConfig {
  const d = DEFAULT_CONFIG;
  const direct = flatten(Object.fromEntries(Object.entries(context).filter(([k]) => k !== ENVIRONMENTS_KEY && isOurs(k))));
  const environmentValue = direct.get('environment') ?? d.environment;
  const environment = typeof environmentValue === 'string' ? environmentValue : String(environmentValue);
  const problems: string[] = [];
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    problems.push(`environment must be 1-16 lowercase letters, digits or hyphens starting with a letter, got ${show(environmentValue)}`);
  }

  // Merge: the environment's block, then single keys on top.
  const merged = new Map<string, unknown>();
  const blocks = context[ENVIRONMENTS_KEY];
  if (blocks !== undefined) {
    if (blocks === null || typeof blocks !== 'object' || Array.isArray(blocks)) {
      problems.push(`${ENVIRONMENTS_KEY} must be an object of environment blocks, got ${show(blocks)}`);
    } else {
      const block = (blocks as Record<string, unknown>)[environment];
      if (block !== undefined) {
        if (block === null || typeof block !== 'object' || Array.isArray(block)) {
          problems.push(`${ENVIRONMENTS_KEY}.${environment} must be an object, got ${show(block)}`);
        } else {
          for (const [k, v] of flatten(block as Record<string, unknown>)) {
            if (k === 'environment') problems.push(`${ENVIRONMENTS_KEY}.${environment} must not set "environment"`);
            else merged.set(k, v);
          }
        }
      }
    }
  }
  for (const [k, v] of direct) merged.set(k, v);
  for (const key of merged.keys()) {
    if (!KNOWN_KEYS.has(key)) problems.push(`${key} is not a setting (known: ${CONFIG_KEYS.join(', ')})`);
  }

  const r = new ContextReader(merged);
  const account = r.optionalString('account', /^\d{12}$/, 'a 12-digit AWS account id');
  const region = r.optionalString('region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region name such as eu-west-1');

  const pipeline = {
    name: r.string('pipeline.name', d.pipeline.name),
    partitions: r.optionalNumber('pipeline.partitions', 1, 1000),
    batchSize: r.optionalNumber('pipeline.batchSize', 1, 10_000),
    batchingWindowMs: r.optionalNumber('pipeline.batchingWindowMs', 0, 300_000),
    retentionHours: r.optionalNumber('pipeline.retentionHours', 1, 8760),
  };
  try {
    definePipeline(pipeline);
  } catch (error) {
    if (!(error instanceof PipelineDefinitionError)) throw error;
    r.problem('pipeline', error.message);
  }

  const availabilityZones = r.optionalList('network.availabilityZones', /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'zone names such as eu-west-1a');
  const network = {
    availabilityZones,
    maxAzs: r.number('network.maxAzs', d.network.maxAzs, 2, 6),
    egress: r.oneOf('network.egress', EGRESS_MODES, d.network.egress),
    natGateways: r.number('network.natGateways', d.network.natGateways, 1, 6),
  };
  const azCount = availabilityZones?.length ?? network.maxAzs;
  if (availabilityZones) {
    if (!region) r.problem('network.availabilityZones', 'needs region to be set');
    else if (!availabilityZones.every((az) => az.startsWith(region))) {
      r.problem('network.availabilityZones', `must all be in region ${region}, got ${availabilityZones.join(', ')}`);
    }
    if (availabilityZones.length < 2) r.problem('network.availabilityZones', 'must name at least 2 zones (MSK and Aurora need two)');
    if (new Set(availabilityZones).size !== availabilityZones.length) r.problem('network.availabilityZones', 'must not repeat a zone');
  }
  if (r.has('network.natGateways') && network.egress !== 'nat') r.problem('network.natGateways', 'applies only with network.egress "nat"');
  if (network.natGateways > azCount)
    r.problem('network.natGateways', `must not exceed the ${azCount} availability zones, got ${network.natGateways}`);

  const kafka = {
    clusterType: r.oneOf('kafka.clusterType', CLUSTER_TYPES, d.kafka.clusterType),
    kafkaVersion: r.string('kafka.kafkaVersion', d.kafka.kafkaVersion, /^\d+\.\d+\.x\.kraft$/, 'a KRaft version such as "3.8.x.kraft"'),
    brokerInstanceType: r.string(
      'kafka.brokerInstanceType',
      d.kafka.brokerInstanceType,
      /^kafka\.[a-z0-9]+\.[a-z0-9]+$/,
      'an MSK broker type such as "kafka.m7g.large"',
    ),
    brokerCount: r.number('kafka.brokerCount', d.kafka.brokerCount, 1, 30),
    brokerVolumeGiB: r.number('kafka.brokerVolumeGiB', d.kafka.brokerVolumeGiB, 1, 16_384),
    storageAutoscalingMaxGiB: r.optionalNumber('kafka.storageAutoscalingMaxGiB', 2, 16_384),
  };
  const [major = 0, minor = 0] = kafka.kafkaVersion.split('.').map(Number);
  if (major * 100 + minor < 307) r.problem('kafka.kafkaVersion', `must be 3.7 or later for KRaft, got "${kafka.kafkaVersion}"`);
  if (kafka.clusterType === 'serverless') {
    for (const key of [
      'kafka.kafkaVersion',
      'kafka.brokerInstanceType',
      'kafka.brokerCount',
      'kafka.brokerVolumeGiB',
      'kafka.storageAutoscalingMaxGiB',
    ] as const) {
      if (r.has(key)) r.problem(key, 'applies only with kafka.clusterType "provisioned"');
    }
  } else {
    if (kafka.brokerCount % azCount !== 0) {
      r.problem('kafka.brokerCount', `must be a multiple of the ${azCount} availability zones, got ${kafka.brokerCount}`);
    }
    if (kafka.storageAutoscalingMaxGiB !== undefined && kafka.storageAutoscalingMaxGiB <= kafka.brokerVolumeGiB) {
      r.problem(
        'kafka.storageAutoscalingMaxGiB',
        `must exceed kafka.brokerVolumeGiB (${kafka.brokerVolumeGiB}), got ${kafka.storageAutoscalingMaxGiB}`,
      );
    }
  }

  const eventSource = {
    minPollers: r.optionalNumber('eventSource.minPollers', 1, 200),
    maxPollers: r.optionalNumber('eventSource.maxPollers', 1, 2000),
    failureDestination: r.oneOf('eventSource.failureDestination', FAILURE_DESTINATIONS, d.eventSource.failureDestination),
    failureQueueRetentionDays: r.number('eventSource.failureQueueRetentionDays', d.eventSource.failureQueueRetentionDays, 1, 14),
  };
  const provisioned = r.has('eventSource.minPollers') || r.has('eventSource.maxPollers');
  if (eventSource.minPollers !== undefined && eventSource.maxPollers !== undefined && eventSource.minPollers > eventSource.maxPollers) {
    r.problem('eventSource.minPollers', `must not exceed eventSource.maxPollers (${eventSource.minPollers} > ${eventSource.maxPollers})`);
  }
  if (eventSource.failureDestination === 'kafka' && !provisioned) {
    r.problem('eventSource.failureDestination', '"kafka" needs provisioned mode: set eventSource.minPollers and/or eventSource.maxPollers');
  }
  if (eventSource.failureDestination === 'kafka' && r.has('eventSource.failureQueueRetentionDays')) {
    r.problem('eventSource.failureQueueRetentionDays', 'applies only with eventSource.failureDestination "sqs"');
  }

  const database = {
    minCapacity: r.number('database.minCapacity', d.database.minCapacity, 0, 256, { integer: false, step: 0.5 }),
    maxCapacity: r.number('database.maxCapacity', d.database.maxCapacity, 1, 256, { integer: false, step: 0.5 }),
    deletionProtection: r.boolean('database.deletionProtection', d.database.deletionProtection),
    removal: r.oneOf('database.removal', REMOVAL_MODES, d.database.removal),
    seedReferenceData: r.boolean('database.seedReferenceData', d.database.seedReferenceData),
    readers: r.number('database.readers', d.database.readers, 0, 15),
    backupRetentionDays: r.number('database.backupRetentionDays', d.database.backupRetentionDays, 1, 35),
  };
  if (database.minCapacity > database.maxCapacity) {
    r.problem('database.minCapacity', `must not exceed database.maxCapacity (${database.minCapacity} > ${database.maxCapacity})`);
  }

  const api = {
    auth: r.oneOf('api.auth', API_AUTH_MODES, d.api.auth),
    jwtIssuer: r.optionalString('api.jwtIssuer', /^https:\/\/\S+$/, 'an https:// issuer URL'),
    jwtAudience: r.optionalList('api.jwtAudience', /^\S+$/, 'audience strings'),
    throttleRatePerSecond: r.number('api.throttleRatePerSecond', d.api.throttleRatePerSecond, 1, 10_000),
    throttleBurst: r.number('api.throttleBurst', d.api.throttleBurst, 1, 5_000),
  };
  if (api.auth === 'jwt') {
    if (!api.jwtIssuer) r.problem('api.jwtIssuer', 'is required with api.auth "jwt"');
    if (!api.jwtAudience) r.problem('api.jwtAudience', 'is required with api.auth "jwt"');
  } else {
    if (r.has('api.jwtIssuer')) r.problem('api.jwtIssuer', 'applies only with api.auth "jwt"');
    if (r.has('api.jwtAudience')) r.problem('api.jwtAudience', 'applies only with api.auth "jwt"');
  }

  const alarms = {
    offsetLagThreshold: r.number('alarms.offsetLagThreshold', d.alarms.offsetLagThreshold, 1, 1e12),
    functionErrorsThreshold: r.number('alarms.functionErrorsThreshold', d.alarms.functionErrorsThreshold, 1, 1e9),
    auroraCapacityPercent: r.number('alarms.auroraCapacityPercent', d.alarms.auroraCapacityPercent, 1, 100),
    freshnessP99Ms: r.number('alarms.freshnessP99Ms', d.alarms.freshnessP99Ms, 1, 86_400_000),
    dlqRecordsPerMinute: r.number('alarms.dlqRecordsPerMinute', d.alarms.dlqRecordsPerMinute, 1, 1e9),
    stalledMinutes: r.number('alarms.stalledMinutes', d.alarms.stalledMinutes, 2, 1440),
    email: r.optionalString('alarms.email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address'),
  };

  const logRetentionDays = r.number('logRetentionDays', d.logRetentionDays, 1, 9999);
  if (!LOG_RETENTION_DAYS.has(logRetentionDays)) {
    r.problem(
      'logRetentionDays',
      `must be a CloudWatch Logs retention (${[...LOG_RETENTION_DAYS].sort((a, b) => a - b).join(', ')}), got ${logRetentionDays}`,
    );
  }
  const deleteTopicsOnRemoval = r.boolean('deleteTopicsOnRemoval', d.deleteTopicsOnRemoval);
  const archiveEnabled = r.boolean('archive.enabled', false);
  if (archiveEnabled && kafka.clusterType !== 'provisioned') {
    r.problem(
      'archive.enabled',
      'needs kafka.clusterType "provisioned": Firehose reads MSK through multi-VPC private connectivity, which MSK Serverless clusters do not offer',
    );
  }

  problems.push(...r.problems);
  if (problems.length > 0) throw new TributaryConfigError(environment, problems);
  return {
    environment,
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
    pipeline: withoutUndefined(pipeline) as TributaryConfig['pipeline'],
    network: withoutUndefined(network) as TributaryConfig['network'],
    kafka: withoutUndefined(kafka) as TributaryConfig['kafka'],
    eventSource: withoutUndefined(eventSource) as TributaryConfig['eventSource'],
    database,
    api: withoutUndefined(api) as TributaryConfig['api'],
    alarms: withoutUndefined(alarms) as TributaryConfig['alarms'],
    logRetentionDays,
    deleteTopicsOnRemoval,
    ...(archiveEnabled ? { archive: { enabled: true } } : {}),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
