/**
 * The combinations of settings that cannot work, checked once every single setting is valid.
 * Each rule names the key it rejects; `isSet` tells a setting given in context from a default.
 */
import { definePipeline, PipelineDefinitionError } from '../pipeline/definition.js';
import type { TributaryConfig } from './tributary-config.js';

export type Problem = readonly [key: string, message: string];
type Rule = (config: TributaryConfig, isSet: (key: string) => boolean) => Problem[];

const pipelineRules: Rule = (config) => {
  try {
    definePipeline(config.pipeline);
    return [];
  } catch (error) {
    if (!(error instanceof PipelineDefinitionError)) throw error;
    return [['pipeline', error.message]];
  }
};

const zoneCount = (config: TributaryConfig): number => config.network.availabilityZones?.length ?? config.network.maxAzs;

const networkRules: Rule = ({ region, network }, isSet) => {
  const problems: Problem[] = [];
  const zones = network.availabilityZones;
  if (zones) {
    if (!region) problems.push(['network.availabilityZones', 'needs region to be set']);
    else if (!zones.every((az) => az.startsWith(region))) {
      problems.push(['network.availabilityZones', `must all be in region ${region}, got ${zones.join(', ')}`]);
    }
    if (zones.length < 2) problems.push(['network.availabilityZones', 'must name at least 2 zones (MSK and Aurora need two)']);
    if (new Set(zones).size !== zones.length) problems.push(['network.availabilityZones', 'must not repeat a zone']);
  }
  if (isSet('network.natGateways') && network.egress !== 'nat') {
    problems.push(['network.natGateways', 'applies only with network.egress "nat"']);
  }
  const azCount = zones?.length ?? network.maxAzs;
  if (network.natGateways > azCount) {
    problems.push(['network.natGateways', `must not exceed the ${azCount} availability zones, got ${network.natGateways}`]);
  }
  return problems;
};

const PROVISIONED_ONLY = [
  'kafka.kafkaVersion',
  'kafka.brokerInstanceType',
  'kafka.brokerCount',
  'kafka.brokerVolumeGiB',
  'kafka.storageAutoscalingMaxGiB',
] as const;

const kafkaRules: Rule = (config, isSet) => {
  const { kafka } = config;
  if (kafka.clusterType === 'serverless') {
    return PROVISIONED_ONLY.filter(isSet).map((key): Problem => [key, 'applies only with kafka.clusterType "provisioned"']);
  }
  const problems: Problem[] = [];
  const azCount = zoneCount(config);
  if (kafka.brokerCount % azCount !== 0) {
    problems.push(['kafka.brokerCount', `must be a multiple of the ${azCount} availability zones, got ${kafka.brokerCount}`]);
  }
  if (kafka.storageAutoscalingMaxGiB !== undefined && kafka.storageAutoscalingMaxGiB <= kafka.brokerVolumeGiB) {
    problems.push([
      'kafka.storageAutoscalingMaxGiB',
      `must exceed kafka.brokerVolumeGiB (${kafka.brokerVolumeGiB}), got ${kafka.storageAutoscalingMaxGiB}`,
    ]);
  }
  return problems;
};

const eventSourceRules: Rule = ({ eventSource }, isSet) => {
  const problems: Problem[] = [];
  const { minPollers, maxPollers, failureDestination } = eventSource;
  if (minPollers !== undefined && maxPollers !== undefined && minPollers > maxPollers) {
    problems.push(['eventSource.minPollers', `must not exceed eventSource.maxPollers (${minPollers} > ${maxPollers})`]);
  }
  if (failureDestination === 'kafka' && minPollers === undefined && maxPollers === undefined) {
    problems.push([
      'eventSource.failureDestination',
      '"kafka" needs provisioned mode: set eventSource.minPollers and/or eventSource.maxPollers',
    ]);
  }
  if (failureDestination === 'kafka' && isSet('eventSource.failureQueueRetentionDays')) {
    problems.push(['eventSource.failureQueueRetentionDays', 'applies only with eventSource.failureDestination "sqs"']);
  }
  return problems;
};

const databaseRules: Rule = ({ database }) =>
  database.minCapacity > database.maxCapacity
    ? [['database.minCapacity', `must not exceed database.maxCapacity (${database.minCapacity} > ${database.maxCapacity})`]]
    : [];

const apiRules: Rule = ({ api }, isSet) => {
  const keys = ['api.jwtIssuer', 'api.jwtAudience'] as const;
  if (api.auth === 'jwt') {
    const given = { 'api.jwtIssuer': api.jwtIssuer, 'api.jwtAudience': api.jwtAudience };
    return keys.filter((key) => !given[key]).map((key): Problem => [key, 'is required with api.auth "jwt"']);
  }
  return keys.filter(isSet).map((key): Problem => [key, 'applies only with api.auth "jwt"']);
};

const archiveRules: Rule = ({ archive, kafka }) =>
  archive?.enabled && kafka.clusterType !== 'provisioned'
    ? [
        [
          'archive.enabled',
          'needs kafka.clusterType "provisioned": Firehose reads MSK through multi-VPC private connectivity, which MSK Serverless clusters do not offer',
        ],
      ]
    : [];

const cdcRules: Rule = ({ cdc }) => {
  if (!cdc.enabled) return [];
  const problems: Problem[] = [];
  if (!cdc.pluginBucketArn)
    problems.push(['cdc.pluginBucketArn', '(the S3 bucket ARN holding the Debezium plugin ZIP) is required with cdc.enabled']);
  if (!cdc.pluginKey) problems.push(['cdc.pluginKey', '(the key of the Debezium plugin ZIP) is required with cdc.enabled']);
  if ((cdc.sourceHost === undefined) !== (cdc.sourceSecretArn === undefined)) {
    problems.push([
      'cdc.sourceHost',
      'and cdc.sourceSecretArn go together: name both for an existing database, or neither for a new Aurora cluster',
    ]);
  }
  return problems;
};

const RULES: readonly Rule[] = [pipelineRules, networkRules, kafkaRules, eventSourceRules, databaseRules, apiRules, archiveRules, cdcRules];

/** Every combination problem of a configuration whose single settings are all valid. */
export function combinationProblems(config: TributaryConfig, isSet: (key: string) => boolean): Problem[] {
  return RULES.flatMap((rule) => rule(config, isSet));
}
