/**
 * The archive on AWS: one Amazon Data Firehose delivery stream per archived topic, reading MSK
 * (DeliveryStreamType MSKAsSource, PRIVATE connectivity, IAM), converting the JSON values to
 * Parquet with the schema of a Glue table (OpenX JSON SerDe in, Parquet SerDe out), and writing
 * to S3 under `<role>/event_date=YYYY-MM-DD/event_hour=HH/` (the local twin's layout). Each
 * archive is a Glue table with partition projection, so Athena queries it without crawlers or
 * MSCK REPAIR; an Athena workgroup keeps query results in the same bucket. The bucket moves files
 * to Glacier Instant Retrieval and expires them by the archive definition.
 *
 * What the cluster needs (applied here, so the archive stays one opt-in): multi-VPC private
 * connectivity with IAM (provisioned clusters only), and a cluster policy letting the Firehose
 * service create its VPC connection and read the brokers.
 */
import { Aws, type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ArchiveDefinition, ArchivedTopicRole, ArchiveStreamDefinition } from '../../src/pipeline/archive-definition.js';
import { GLUE_TABLE_COLUMNS, glueColumnName } from '../../src/pipeline/archive-glue-columns.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import { acknowledge, NagFinding } from '../nag/nag-acknowledgements.js';

export interface TopicArchiveProps {
  readonly archive: ArchiveDefinition;
  readonly cluster: KafkaCluster;
  /** Glue database name (lowercase letters, digits, underscores). */
  readonly databaseName: string;
  readonly logRetention: logs.RetentionDays;
}

type Column = { name: string; type: string };

const PARTITION_KEYS: Column[] = [
  { name: 'event_date', type: 'string' },
  { name: 'event_hour', type: 'string' },
];

/** Dynamic partitioning: the event's own time (enriched: normalised ISO UTC) names the folder. */
const EVENT_TIME_PARTITION_QUERY = '{event_date: .occurredAt[0:10], event_hour: .occurredAt[11:13]}';

export class TopicArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly database: glue.CfnDatabase;
  readonly tables = new Map<ArchivedTopicRole, glue.CfnTable>();
  readonly streams = new Map<ArchivedTopicRole, firehose.CfnDeliveryStream>();
  readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: TopicArchiveProps) {
    super(scope, id);
    const { archive, cluster } = props;
    const stack = Stack.of(this);

    this.bucket = this.archiveBucket(archive);

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: props.databaseName,
        description: 'Tributary archive: one table per archived topic (Parquet, partitioned by event date and hour)',
      },
    });

    this.openClusterToFirehose(cluster);

    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    for (const definition of archive.streams) this.addStream(definition, props, logGroup, stack);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `${props.databaseName.replaceAll('_', '-')}-archive`,
      description: 'Queries over the Tributary archive; results kept 30 days in the archive bucket',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: this.bucket.s3UrlForObject('athena-results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  /** The archive bucket, with its access log bucket and the storage tiers of the archive definition. */
  private archiveBucket(archive: ArchiveDefinition): s3.Bucket {
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, NagFinding.accessLogBucketHasNoAccessLogs);
    return new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'archive/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'archive-tiers',
          transitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(archive.transitionToColdAfterDays) },
          ],
          expiration: Duration.days(archive.expireAfterDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'athena-results', prefix: 'athena-results/', expiration: Duration.days(30) },
      ],
    });
  }

  /**
   * Firehose reads MSK through its own VPC connection: multi-VPC private connectivity with IAM
   * on the cluster, and a cluster policy for the service (both required for PRIVATE connectivity).
   */
  private openClusterToFirehose(cluster: KafkaCluster): void {
    const cfnCluster = cluster.node.defaultChild;
    if (!(cfnCluster instanceof msk.CfnCluster)) {
      throw new Error(
        'the archive needs a provisioned MSK cluster (kafka.clusterType "provisioned"): Firehose reads MSK through multi-VPC private connectivity',
      );
    }
    // BrokerNodeGroupInfo.ConnectivityInfo.VpcConnectivity (AWS::MSK::Cluster), set on the cluster the stack built.
    cfnCluster.addPropertyOverride('BrokerNodeGroupInfo.ConnectivityInfo.VpcConnectivity.ClientAuthentication.Sasl.Iam.Enabled', true);
    new msk.CfnClusterPolicy(this, 'FirehoseClusterPolicy', {
      clusterArn: cluster.clusterArn,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: ['kafka:CreateVpcConnection', 'kafka:GetBootstrapBrokers', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2'],
            Resource: cluster.clusterArn,
          },
        ],
      },
    });
  }

  private addStream(definition: ArchiveStreamDefinition, props: TopicArchiveProps, logGroup: logs.LogGroup, stack: Stack): void {
    const role = definition.role;
    const table = new glue.CfnTable(this, `${pascal(role)}Table`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.databaseName,
      tableInput: archiveTableInput(definition, this.bucket.s3UrlForObject(`${role}/`)),
    });
    table.addDependency(this.database);
    this.tables.set(role, table);

    const deliveryRole = this.deliveryRole(definition, props, logGroup, stack);
    const stream = new firehose.CfnDeliveryStream(this, `${pascal(role)}Stream`, {
      deliveryStreamName: definition.streamName,
      deliveryStreamType: 'MSKAsSource',
      mskSourceConfiguration: {
        mskClusterArn: props.cluster.clusterArn,
        topicName: definition.topic,
        authenticationConfiguration: { roleArn: deliveryRole.roleArn, connectivity: 'PRIVATE' },
      },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: deliveryRole.roleArn,
        bufferingHints: { sizeInMBs: definition.buffering.sizeMb, intervalInSeconds: definition.buffering.intervalSeconds },
        // Parquet compresses its own pages (SNAPPY below); the S3 compression must stay UNCOMPRESSED with format conversion.
        compressionFormat: 'UNCOMPRESSED',
        ...partitioning(role),
        // Records that fail conversion (raw records that are not valid JSON of the schema) are kept here, as received.
        errorOutputPrefix: `errors/${role}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: { caseInsensitive: true } } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: Aws.ACCOUNT_ID,
            databaseName: props.databaseName,
            tableName: role,
            region: Aws.REGION,
            roleArn: deliveryRole.roleArn,
            versionId: 'LATEST',
          },
        },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: definition.streamName },
      },
    });
    // The role's policy must exist before Firehose validates access at creation.
    stream.node.addDependency(deliveryRole);
    stream.addDependency(table);
    acknowledge(stream, NagFinding.mskSourceStreamEncryption);
    this.streams.set(role, stream);
  }

  /** The stream's role: reads its topic, writes its prefixes of the bucket, reads its Glue table, logs. */
  private deliveryRole(definition: ArchiveStreamDefinition, props: TopicArchiveProps, logGroup: logs.LogGroup, stack: Stack): iam.Role {
    const { cluster } = props;
    const role = definition.role;
    const deliveryRole = new iam.Role(this, `${pascal(role)}DeliveryRole`, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Firehose stream ${definition.streamName}: reads ${definition.topic} from MSK, writes Parquet to the archive bucket`,
    });
    // The S3 actions the Firehose guide lists for an S3 destination, on this stream's prefixes only.
    const prefixes = [`${role}/*`, `errors/${role}/*`];
    deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:PutObject',
        ],
        resources: [this.bucket.bucketArn, ...prefixes.map((prefix) => this.bucket.arnForObjects(prefix))],
      }),
    );
    deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kafka:GetBootstrapBrokers', 'kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka-cluster:Connect'],
        resources: [cluster.clusterArn],
      }),
    );
    deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:DescribeTopicDynamicConfiguration', 'kafka-cluster:ReadData'],
        resources: [cluster.topicArn(definition.topic)],
      }),
    );
    deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/${role}` }),
        ],
      }),
    );
    logGroup.grantWrite(deliveryRole);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnElement);
    for (const prefix of prefixes) {
      acknowledge(deliveryRole, NagFinding.archiveDeliveryWildcards, `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}]`);
    }
    return deliveryRole;
  }
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** The Glue table of an archived topic: Parquet under its prefix, partitions projected from the query. */
function archiveTableInput(definition: ArchiveStreamDefinition, location: string): glue.CfnTable.TableInputProperty {
  const role = definition.role;
  return {
    name: role,
    description: `${definition.topic} as archived by Firehose stream ${definition.streamName}`,
    tableType: 'EXTERNAL_TABLE',
    partitionKeys: PARTITION_KEYS,
    parameters: {
      classification: 'parquet',
      // Athena partition projection: partitions are computed from the query's filter, never listed.
      'projection.enabled': 'true',
      'projection.event_date.type': 'date',
      'projection.event_date.format': 'yyyy-MM-dd',
      'projection.event_date.range': '2024-01-01,NOW',
      'projection.event_date.interval': '1',
      'projection.event_date.interval.unit': 'DAYS',
      'projection.event_hour.type': 'integer',
      'projection.event_hour.range': '0,23',
      'projection.event_hour.digits': '2',
      'storage.location.template': `${location}event_date=\${event_date}/event_hour=\${event_hour}/`,
    },
    storageDescriptor: {
      columns: GLUE_TABLE_COLUMNS[role].map((c) => ({ name: glueColumnName(c), type: c.type })),
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  };
}

/** Where records land: enriched by the event's own time, raw by arrival hour. */
function partitioning(role: ArchivedTopicRole): Partial<firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty> {
  if (role === 'enriched') {
    return {
      // Partitioned by the event's time, as the twin does.
      prefix: `${role}/event_date=!{partitionKeyFromQuery:event_date}/event_hour=!{partitionKeyFromQuery:event_hour}/`,
      dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
      processingConfiguration: {
        enabled: true,
        processors: [
          {
            type: 'MetadataExtraction',
            parameters: [
              { parameterName: 'MetadataExtractionQuery', parameterValue: EVENT_TIME_PARTITION_QUERY },
              { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
    };
  }
  // Raw event times are unvalidated (any zone, epoch ms, or missing): filed by arrival hour (UTC).
  return { prefix: `${role}/event_date=!{timestamp:yyyy-MM-dd}/event_hour=!{timestamp:HH}/` };
}
