/**
 * A production-like environment chosen through context: provisioned MSK (KRaft), provisioned-mode
 * mappings failing over to the `failures` topic, NAT egress, JWT-authorised APIs, and pipeline
 * options that change batching.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { topicConfigs } from '../../infra/kafka/pipeline-topics.js';
import { BROKER_HEALTH_METRICS, MAPPING_EVENT_METRICS } from '../../infra/observability/dashboard-widgets.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import {
  alarmNamed,
  buildStack,
  dashboardMetrics,
  logicalId,
  render,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type StackFixture,
} from './stack-fixture.js';

const CONTEXT = {
  environment: 'prod',
  'kafka.clusterType': 'provisioned',
  'kafka.brokerCount': '2',
  'network.maxAzs': '2',
  'eventSource.minPollers': '2',
  'eventSource.maxPollers': '8',
  'eventSource.failureDestination': 'kafka',
  'network.egress': 'nat',
  'api.auth': 'jwt',
  'api.jwtIssuer': 'https://issuer.example.com',
  'api.jwtAudience': 'tributary',
  'database.deletionProtection': 'false',
  'database.removal': 'destroy',
  'pipeline.batchSize': '1000',
  'pipeline.batchingWindowMs': '2000',
};
const pipeline = definePipeline({ batchSize: 1000, batchingWindowMs: 2000 });

let f: StackFixture;
beforeAll(() => {
  f = buildStack(CONTEXT);
});

describe('provisioned MSK', () => {
  it('runs KRaft brokers with IAM auth, TLS everywhere, a rotating customer key and broker logs in CloudWatch', () => {
    const key = f.stack.cluster.storageKey;
    if (!key) throw new Error('no storage key');
    f.template.hasResourceProperties('AWS::MSK::Cluster', {
      ClusterName: 'storefront-prod',
      KafkaVersion: '3.8.x.kraft',
      NumberOfBrokerNodes: 2,
      BrokerNodeGroupInfo: Match.objectLike({ InstanceType: 'kafka.m7g.large', StorageInfo: { EBSStorageInfo: { VolumeSize: 100 } } }),
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: Match.anyValue() } } },
    });
    expect(f.json.Resources[logicalId(key)]?.Properties?.EnableKeyRotation).toBe(true);
  });

  it('declares each topic of the definition as AWS::MSK::Topic, retained on removal', () => {
    expect(resourcesOfType(f.json, 'Custom::TributaryTopics')).toHaveLength(0);
    const topics = resourcesOfType(f.json, 'AWS::MSK::Topic');
    expect(topics).toHaveLength(topicSpecsFromPipeline(pipeline).length);
    for (const spec of topicSpecsFromPipeline(pipeline)) {
      f.template.hasResource('AWS::MSK::Topic', {
        DeletionPolicy: 'Retain',
        Properties: {
          ClusterArn: { Ref: logicalId(f.stack.cluster) },
          TopicName: spec.name,
          PartitionCount: spec.partitions,
          ReplicationFactor: Math.min(spec.replicationFactor, 2),
          Configs: topicConfigs(spec, 2),
        },
      });
    }
    const raw = topicSpecsFromPipeline(pipeline).find((t) => t.name === pipeline.topics.raw.name);
    if (!raw) throw new Error('no raw topic');
    // Java-properties text, as MSK's DescribeTopic returns it; with 2 brokers no min.insync.replicas override.
    expect(Buffer.from(topicConfigs(raw, 2), 'base64').toString('utf8')).toBe(
      `retention.ms=${pipeline.topics.raw.retentionHours * 3_600_000}\n`,
    );
  });
});

describe('provisioned-mode mappings', () => {
  it.each(STAGE_NAMES)('%s: batching from the definition, its retry policy, pollers, metrics and the failures topic', (stage) => {
    const def = pipeline.stages[stage];
    const fn = f.stack.stageFunctions.get(stage);
    if (!fn) throw new Error(stage);
    f.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(fn) },
      Topics: [def.inputTopic],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: def.consumerGroupId },
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 2,
      StartingPosition: def.startingPosition,
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 8 },
      MaximumRetryAttempts: def.retry.maxRetryAttempts,
      MaximumRecordAgeInSeconds: def.retry.maxRecordAgeSeconds,
      BisectBatchOnFunctionError: def.retry.bisectBatchOnError,
      FunctionResponseTypes: def.retry.reportBatchItemFailures ? ['ReportBatchItemFailures'] : Match.absent(),
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
      DestinationConfig: { OnFailure: { Destination: `kafka://${pipeline.topics.failures.name}` } },
    });
  });

  it('lets each mapping write its failed records to the failures topic, with no SQS queue', () => {
    f.template.resourceCountIs('AWS::SQS::Queue', 0);
    for (const fn of f.stack.stageFunctions.values()) {
      if (!fn.role) throw new Error('no role');
      const writes = resourcesFor(roleStatements(f.json, logicalId(fn.role)), 'kafka-cluster:WriteData');
      expect(writes.some((arn) => arn.endsWith(`/${pipeline.topics.failures.name}`))).toBe(true);
    }
    for (const mapping of f.stack.mappings.values()) {
      f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'OnFailureDestinationDeliveredEventCount',
        Dimensions: [
          {
            Name: 'EventSourceMappingUUID',
            Value: f.stack.resolve(mapping.eventSourceMappingId),
          },
        ],
      });
    }
  });
});

describe('observability of a provisioned environment', () => {
  it('charts the mapping counts provisioned mode publishes, per mapping UUID', () => {
    const metrics = dashboardMetrics(f.json);
    for (const name of MAPPING_EVENT_METRICS) {
      const uuids = metrics
        .filter((m) => m.namespace === 'AWS/Lambda' && m.metricName === name)
        .map((m) => m.dimensions.EventSourceMappingUUID);
      expect(uuids.sort()).toEqual([...f.stack.mappings.values()].map((m) => render(f.stack.resolve(m.eventSourceMappingId))).sort());
    }
  });

  it('charts CPU, data disk use and under-replicated partitions of every broker', () => {
    const metrics = dashboardMetrics(f.json);
    for (const { metric } of BROKER_HEALTH_METRICS) {
      const brokers = metrics
        .filter((m) => m.namespace === 'AWS/Kafka' && m.metricName === metric && m.dimensions['Cluster Name'] === 'storefront-prod')
        .map((m) => m.dimensions['Broker ID']);
      expect(brokers.sort()).toEqual(['1', '2']);
    }
  });

  it('counts records into raw over every broker for the stalled-pipeline alarm', () => {
    const metrics = alarmNamed(f.json, 'pipeline-stalled').Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } };
    }[];
    expect(metrics.find((m) => m.Id === 'rawIn')?.Expression).toBe('FILL(b1, 0) + FILL(b2, 0)');
    const brokers = metrics.filter((m) => /^b\d$/.test(m.Id));
    expect(brokers.map((m) => m.MetricStat?.Metric.Dimensions.find((d) => d.Name === 'Broker ID')?.Value).sort()).toEqual(['1', '2']);
    for (const m of brokers) {
      expect(m.MetricStat?.Metric.MetricName).toBe('MessagesInPerSec');
      expect(m.MetricStat?.Metric.Dimensions).toContainEqual({ Name: 'Topic', Value: pipeline.topics.raw.name });
    }
  });
});

describe('environment options', () => {
  it('reaches AWS APIs through a NAT gateway instead of interface endpoints', () => {
    f.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    f.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it('authorises API routes with the configured JWT issuer', () => {
    f.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['tributary'] },
    });
    for (const [, route] of resourcesOfType(f.json, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties?.AuthorizationType).toBe('JWT');
    }
  });

  it('lets the database go with the stack when asked', () => {
    f.template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: false }),
    });
  });

  it('passes cdk-nag AwsSolutions with only documented acknowledgements', () => {
    const report = new AwsSolutionsChecks().validateScope(f.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
