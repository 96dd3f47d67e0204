/**
 * The Firehose archive (archive.enabled on a provisioned cluster): one MSK-sourced delivery stream
 * per archived topic writing Parquet by event date/hour, the cluster's private connectivity and
 * policy for Firehose, Glue tables with partition projection, lifecycle rules; cdk-nag clean.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/read-config.js';
import { defineArchive } from '../../src/pipeline/archive-definition.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { buildStack, logicalId, render, resourcesFor, resourcesOfType, roleStatements, type StackFixture } from './stack-fixture.js';

const CONTEXT = { 'kafka.clusterType': 'provisioned', 'archive.enabled': 'true' };
const archive = defineArchive(definePipeline());

let f: StackFixture;
beforeAll(() => {
  f = buildStack(CONTEXT);
}, 120_000);

describe('archive on AWS', () => {
  it('is off by default, and refused on MSK Serverless with a message naming the key', () => {
    expect(readConfig({}).archive).toBeUndefined();
    expect(() => readConfig({ 'archive.enabled': 'true' })).toThrow(/archive\.enabled needs kafka\.clusterType "provisioned"/);
  });

  it('reads each archived topic from MSK privately with IAM and writes Parquet by event date and hour', () => {
    for (const stream of archive.streams) {
      f.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamName: stream.streamName,
        DeliveryStreamType: 'MSKAsSource',
        MSKSourceConfiguration: {
          MSKClusterARN: Match.anyValue(),
          TopicName: stream.topic,
          AuthenticationConfiguration: { Connectivity: 'PRIVATE', RoleARN: Match.anyValue() },
        },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          DataFormatConversionConfiguration: {
            Enabled: true,
            InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: Match.anyValue() } },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
            SchemaConfiguration: Match.objectLike({ TableName: stream.role, VersionId: 'LATEST' }),
          },
          Prefix: Match.stringLikeRegexp(`^${stream.role}/event_date=!\\{.+\\}/event_hour=!\\{.+\\}/$`),
          ErrorOutputPrefix: Match.stringLikeRegexp(`^errors/${stream.role}/`),
        }),
      });
    }
    f.template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'storefront-archive-enriched',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: Match.anyValue() },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'MetadataExtraction',
              Parameters: Match.arrayWith([
                {
                  ParameterName: 'MetadataExtractionQuery',
                  ParameterValue: '{event_date: .occurredAt[0:10], event_hour: .occurredAt[11:13]}',
                },
              ]),
            },
          ],
        },
      }),
    });
  });

  it('gives the cluster multi-VPC private connectivity with IAM and a policy letting Firehose connect', () => {
    f.template.hasResourceProperties('AWS::MSK::Cluster', {
      BrokerNodeGroupInfo: Match.objectLike({
        ConnectivityInfo: { VpcConnectivity: { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } } },
      }),
    });
    f.template.hasResourceProperties('AWS::MSK::ClusterPolicy', {
      Policy: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: ['kafka:CreateVpcConnection', 'kafka:GetBootstrapBrokers', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2'],
          }),
        ],
      },
    });
  });

  it('scopes each delivery role to its topic, its table and its prefixes', () => {
    const role = f.stack.archive?.node.findChild('RawDeliveryRole');
    if (!role) throw new Error('no delivery role');
    const statements = roleStatements(f.json, logicalId(role));
    expect(resourcesFor(statements, 'kafka-cluster:ReadData').map(render)).toEqual([expect.stringMatching(/:topic\/.+\/storefront-raw$/)]);
    const objects = resourcesFor(statements, 's3:PutObject').map(render);
    expect(objects).toHaveLength(3);
    expect(objects.map((r) => r.replace(/^\$\{ArchiveBucket[0-9A-F]+\.Arn\}/, '<bucket>')).sort()).toEqual([
      '<bucket>',
      '<bucket>/errors/raw/*',
      '<bucket>/raw/*',
    ]);
    expect(
      resourcesFor(statements, 'glue:GetTable')
        .map(render)
        .some((r) => r.endsWith('/raw')),
    ).toBe(true);
  });

  it('declares a Glue table per archive with date/hour partition keys and projection, over Parquet', () => {
    const tables = resourcesOfType(f.json, 'AWS::Glue::Table').map(([, t]) => t.Properties?.TableInput as Record<string, unknown>);
    expect(tables.map((t) => t.Name).sort()).toEqual(['enriched', 'raw']);
    for (const table of tables) {
      expect(table.PartitionKeys).toEqual([
        { Name: 'event_date', Type: 'string' },
        { Name: 'event_hour', Type: 'string' },
      ]);
      expect(table.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.event_hour.digits': '2',
        classification: 'parquet',
      });
      expect(render((table.StorageDescriptor as Record<string, unknown>).SerdeInfo)).toContain('ParquetHiveSerDe');
    }
  });

  it('keeps the archive bucket private and encrypted, moving files to Glacier Instant Retrieval, then expiring them', () => {
    f.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'archive-tiers',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: archive.transitionToColdAfterDays }],
            ExpirationInDays: archive.expireAfterDays,
          }),
        ]),
      },
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    });
    f.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true }),
    });
  });

  it('passes the AwsSolutions checks with only the documented acknowledgements', () => {
    const report = new AwsSolutionsChecks().validateScope(f.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
