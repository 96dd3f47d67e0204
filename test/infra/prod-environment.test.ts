/**
 * The prod block of cdk.json as shipped (`cdk deploy -c environment=prod`): three zones, replication
 * factor 3 with min.insync.replicas 2, broker storage autoscaling, an Aurora reader in another
 * zone, stated backups, pollers sized to the partitions, and no sample data.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_TARGET_PERCENT } from '../../infra/kafka/kafka-cluster.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import { buildStack, logicalId, onlyResourceProperties, render, resourcesOfType, type StackFixture } from './stack-fixture.js';

const pipeline = definePipeline();
let f: StackFixture;
beforeAll(() => {
  f = buildStack({ environment: 'prod' });
});

/** Index of a `Fn::Select [i, Fn::GetAZs]` zone, the way an environment-agnostic stack names zones. */
const zoneIndex = (az: unknown): number => {
  const select = (az as { 'Fn::Select'?: [number, unknown] })['Fn::Select'];
  if (!select) throw new Error(`not a selected zone: ${JSON.stringify(az)}`);
  return select[0];
};

describe('prod spreads over three zones', () => {
  it('has one private subnet in each of three zones, without pinning an account or region', () => {
    expect(f.config.account).toBeUndefined();
    const zones = resourcesOfType(f.json, 'AWS::EC2::Subnet').map(([, s]) => zoneIndex(s.Properties?.AvailabilityZone));
    expect(zones.sort()).toEqual([0, 1, 2]);
  });

  it('runs three brokers, one per zone, with storage that grows by autoscaling', () => {
    const cluster = onlyResourceProperties<{ NumberOfBrokerNodes: number; BrokerNodeGroupInfo: { ClientSubnets: unknown[] } }>(
      f.json,
      'AWS::MSK::Cluster',
    );
    expect(cluster.NumberOfBrokerNodes).toBe(3);
    expect(cluster.BrokerNodeGroupInfo.ClientSubnets).toHaveLength(3);
    f.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'kafka',
      ScalableDimension: 'kafka:broker-storage:VolumeSize',
      ResourceId: { Ref: logicalId(f.stack.cluster) },
      MinCapacity: 100,
      MaxCapacity: 1000,
    });
    f.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'KafkaBrokerStorageUtilization' },
        TargetValue: STORAGE_TARGET_PERCENT,
        DisableScaleIn: true,
      },
    });
  });

  it('replicates every topic three times and refuses acks=all writes with fewer than two in sync', () => {
    const topics = resourcesOfType(f.json, 'AWS::MSK::Topic');
    expect(topics).toHaveLength(topicSpecsFromPipeline(pipeline).length);
    const retention = new Map(topicSpecsFromPipeline(pipeline).map((t) => [t.name, t.retentionMs]));
    for (const [, topic] of topics) {
      expect(topic.Properties?.ReplicationFactor).toBe(3);
      const properties = Buffer.from(String(topic.Properties?.Configs), 'base64').toString('utf8');
      expect(properties).toBe(`retention.ms=${retention.get(String(topic.Properties?.TopicName))}\nmin.insync.replicas=2\n`);
    }
  });

  it('keeps an Aurora Serverless v2 reader in another zone than the writer, scaling with it', () => {
    const instances = resourcesOfType(f.json, 'AWS::RDS::DBInstance').map(([, i]) => i.Properties ?? {});
    expect(instances).toHaveLength(2);
    const zones = instances.map((i) => zoneIndex(i.AvailabilityZone));
    expect(new Set(zones).size).toBe(2);
    // scaleWithWriter puts the reader in promotion tier 1, which follows the writer's capacity (the writer is tier 0).
    expect(instances.map((i) => i.PromotionTier).sort()).toEqual([0, 1]);
  });

  it('keeps 14 days of Aurora backups', () => {
    f.template.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 14 });
  });
});

describe('prod event source mappings and data', () => {
  it('runs provisioned pollers, at most one per partition of the input topic', () => {
    for (const stage of STAGE_NAMES) {
      const fn = f.stack.stageFunctions.get(stage);
      if (!fn) throw new Error(stage);
      const input = Object.values(pipeline.topics).find((t) => t.name === pipeline.stages[stage].inputTopic);
      const mapping = resourcesOfType(f.json, 'AWS::Lambda::EventSourceMapping').find(
        ([, m]) => render(m.Properties?.FunctionName) === `\${${logicalId(fn)}}`,
      )?.[1];
      const pollers = mapping?.Properties?.ProvisionedPollerConfig as { MinimumPollers: number; MaximumPollers: number };
      expect(pollers.MinimumPollers).toBeGreaterThanOrEqual(1);
      expect(pollers.MaximumPollers).toBe(input?.partitions);
    }
  });

  it('loads no sample catalogue, rates or IP ranges', () => {
    f.template.hasResourceProperties('Custom::TributarySchema', { SeedReferenceData: 'false' });
  });

  it('reaches the SQS failure destination through an interface endpoint', () => {
    const services = resourcesOfType(f.json, 'AWS::EC2::VPCEndpoint').map(([, e]) => render(e.Properties?.ServiceName));
    expect(services).toContain(`com.amazonaws.\${AWS::Region}.sqs`);
  });

  it('passes cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks().validateScope(f.stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
