/**
 * Change data capture on AWS: MSK Connect running the Debezium PostgreSQL connector, writing the
 * shop database's changes to the pipeline's change topics (`<prefix>.<schema>.<table>`) in the same
 * format as the local capture (docs/cdc.md), so the catalogue and orders stages run unchanged.
 *
 * - the connector's plugin is a ZIP the user uploads to S3 (nothing is downloaded at synth);
 * - the worker configuration sets JsonConverter with schemas.enable=false for keys and values;
 * - the connector authenticates to MSK with IAM; its service execution role may only touch the
 *   change topics, MSK Connect's internal topics and its own consumer groups;
 * - the source is a new Aurora PostgreSQL Serverless v2 cluster with rds.logical_replication=1 in
 *   its cluster parameter group and a dedicated replication user (shop-replication-user.ts), or an
 *   existing database the user names (host + secret).
 * Opt-in: setting cdc.enabled=true (the cdc section of src/config/tributary-config.ts).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kafkaconnect from 'aws-cdk-lib/aws-kafkaconnect';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ChangeDataCaptureConfig } from '../../src/config/tributary-config.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import type { FunctionSettings } from '../functions/pipeline-function.js';
import { KAFKA_IAM_PORT, type KafkaCluster } from '../kafka/kafka-cluster.js';
import { acknowledge, NagFinding } from '../nag/nag-acknowledgements.js';
import type { PipelineNetwork } from '../network/pipeline-network.js';
import { ShopReplicationUser } from './shop-replication-user.js';

/** Converter and encoding settings shared by the worker and the connector (docs/cdc.md). */
export const WORKER_PROPERTIES: Readonly<Record<string, string>> = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'false',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

/** Debezium settings that make its events equal to the local capture's. */
export const DEBEZIUM_ENCODING: Readonly<Record<string, string>> = {
  'plugin.name': 'pgoutput',
  'snapshot.mode': 'initial',
  'tombstones.on.delete': 'true',
  'decimal.handling.mode': 'string',
  'time.precision.mode': 'adaptive',
  'binary.handling.mode': 'base64',
  'interval.handling.mode': 'numeric',
};

export interface ChangeDataCaptureProps {
  readonly pipeline: PipelineDefinition;
  readonly cluster: KafkaCluster;
  readonly network: PipelineNetwork;
  readonly config: ChangeDataCaptureConfig;
  /** SASL/IAM bootstrap brokers of the cluster. */
  readonly bootstrapServers: string;
  readonly name: string;
  readonly logRetention: logs.RetentionDays;
  /** For the replication user's custom resource function. */
  readonly settings: FunctionSettings;
}

export class ChangeDataCapture extends Construct {
  readonly connector: kafkaconnect.CfnConnector;
  readonly role: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  /** The new Aurora source, when no existing database was named. */
  readonly sourceCluster?: rds.DatabaseCluster;
  /** Its replication user, which the connector logs in as. */
  readonly replicationUser?: ShopReplicationUser;
  /** The secret the connector logs in with: the replication user's, or cdc.sourceSecretArn. */
  readonly connectorSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ChangeDataCaptureProps) {
    super(scope, id);
    const { cluster, network, config } = props;
    if (!config.pluginBucketArn || !config.pluginKey) throw new Error('ChangeDataCapture needs cdc.pluginBucketArn and cdc.pluginKey');

    this.securityGroup = new ec2.SecurityGroup(this, 'ConnectorSecurityGroup', {
      vpc: network.vpc,
      description: 'MSK Connect workers of the Debezium connector',
      allowAllOutbound: false,
    });
    cluster.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'Debezium connector');
    this.securityGroup.addEgressRule(cluster.securityGroup, ec2.Port.tcp(KAFKA_IAM_PORT), 'Kafka brokers');

    const source =
      config.sourceHost && config.sourceSecretArn
        ? this.existingSource(props, config.sourceHost, config.sourceSecretArn)
        : this.newAuroraSource(props);
    this.connectorSecret = source.secret;
    this.sourceCluster = source.cluster;
    this.replicationUser = source.replicationUser;
    this.role = this.serviceRole(props);

    const plugin = new kafkaconnect.CfnCustomPlugin(this, 'DebeziumPlugin', {
      name: `${props.name}-debezium-postgres`,
      description: 'Debezium PostgreSQL connector (ZIP provided by the user in S3)',
      contentType: 'ZIP',
      location: { s3Location: { bucketArn: config.pluginBucketArn, fileKey: config.pluginKey } },
    });
    const worker = new kafkaconnect.CfnWorkerConfiguration(this, 'WorkerConfiguration', {
      name: `${props.name}-debezium-json`,
      description: 'JsonConverter without schemas for keys and values',
      propertiesFileContent: Buffer.from(
        Object.entries(WORKER_PROPERTIES)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      ).toString('base64'),
    });
    const logGroup = new logs.LogGroup(this, 'ConnectorLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });

    this.connector = new kafkaconnect.CfnConnector(this, 'Connector', {
      connectorName: `${props.name}-shop-cdc`,
      connectorDescription: `Debezium: shop database changes to ${props.pipeline.changeCapture.topicPrefix}.<schema>.<table>`,
      kafkaConnectVersion: '3.7.x',
      capacity: { provisionedCapacity: { mcuCount: 1, workerCount: config.workers } },
      connectorConfiguration: debeziumConfiguration(props, source),
      kafkaCluster: {
        apacheKafkaCluster: {
          bootstrapServers: props.bootstrapServers,
          vpc: {
            securityGroups: [this.securityGroup.securityGroupId],
            subnets: network.vpc.selectSubnets(network.privateSubnets).subnetIds,
          },
        },
      },
      kafkaClusterClientAuthentication: { authenticationType: 'IAM' },
      kafkaClusterEncryptionInTransit: { encryptionType: 'TLS' },
      plugins: [{ customPlugin: { customPluginArn: plugin.attrCustomPluginArn, revision: 1 } }],
      workerConfiguration: { workerConfigurationArn: worker.attrWorkerConfigurationArn, revision: 1 },
      serviceExecutionRoleArn: this.role.roleArn,
      logDelivery: { workerLogDelivery: { cloudWatchLogs: { enabled: true, logGroup: logGroup.logGroupName } } },
    });
    this.connector.node.addDependency(this.role);
    // The user, its grants and the publication exist before the connector starts.
    if (this.replicationUser) this.connector.node.addDependency(this.replicationUser.resource);
  }

  /** A database named by cdc.sourceHost, reached with the user of cdc.sourceSecretArn; Debezium creates the publication. */
  private existingSource({ config, network }: ChangeDataCaptureProps, host: string, secretArn: string): ShopSource {
    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'SourceSecret', secretArn);
    this.securityGroup.addEgressRule(ec2.Peer.ipv4(network.vpc.vpcCidrBlock), ec2.Port.tcp(config.sourcePort), 'source database');
    return { host, port: config.sourcePort, secret, publicationMode: 'filtered' };
  }

  /** A new Aurora cluster with logical replication, and its replication user (which also creates the publication). */
  private newAuroraSource(props: ChangeDataCaptureProps): ShopSource {
    const { config, network } = props;
    const cdc = props.pipeline.changeCapture;
    const parameterGroup = new rds.ParameterGroup(this, 'SourceParameters', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
      description: 'Aurora PostgreSQL with logical replication for Debezium',
      parameters: { 'rds.logical_replication': '1', max_replication_slots: '10', max_wal_senders: '10' },
    });
    const source = new rds.DatabaseCluster(this, 'Source', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
      parameterGroup,
      defaultDatabaseName: config.sourceDatabase,
      // Used only by the replication user's custom resource; the connector has its own user.
      credentials: rds.Credentials.fromGeneratedSecret('shop_admin', { secretName: `${props.name}-shop-source` }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 2,
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    source.connections.allowFrom(this.securityGroup, ec2.Port.tcp(5432), 'Debezium connector');
    this.securityGroup.addEgressRule(source.connections.securityGroups[0] as ec2.ISecurityGroup, ec2.Port.tcp(5432), 'source database');
    acknowledge(source, NagFinding.shopSourceMasterSecretRotation);
    const replicationUser = new ShopReplicationUser(this, 'ReplicationUser', {
      source,
      databaseName: config.sourceDatabase,
      schema: cdc.schema,
      tables: cdc.topics.map((t) => t.table),
      publication: cdc.publicationName,
      secretName: `${props.name}-shop-replication`,
      settings: props.settings,
    });
    const host = source.clusterEndpoint.hostname;
    return { host, port: 5432, secret: replicationUser.secret, publicationMode: 'disabled', cluster: source, replicationUser };
  }

  /** MSK Connect's role: the change and internal topics and groups on this cluster, and the source's secret. */
  private serviceRole({ cluster, pipeline, name }: ChangeDataCaptureProps): iam.Role {
    const role = new iam.Role(this, 'ServiceExecutionRole', {
      assumedBy: new iam.ServicePrincipal('kafkaconnect.amazonaws.com'),
      description: 'MSK Connect: the Debezium connector of the shop database',
    });
    const connectTopics = ['__amazon_msk_connect_*', `${pipeline.changeCapture.topicPrefix}.*`];
    const connectGroups = ['__amazon_msk_connect_*', `connect-${name}-shop-cdc*`];
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'], resources: [cluster.clusterArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:WriteData', 'kafka-cluster:CreateTopic'],
        resources: connectTopics.map((t) => cluster.topicArn(t)),
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        resources: connectGroups.map((g) => cluster.groupArn(g)),
      }),
    );
    this.connectorSecret.grantRead(role);
    // cdk-nag names each wildcard resource as rendered in the template: acknowledge exactly those.
    const uuid = JSON.stringify({ 'Fn::Select': [2, { 'Fn::Split': ['/', Stack.of(this).resolve(cluster.clusterArn)] }] });
    const wildcards = [
      ...connectTopics.map((t) => `topic/${cluster.clusterName}/${uuid}/${t}`),
      ...connectGroups.map((g) => `group/${cluster.clusterName}/${uuid}/${g}`),
    ];
    for (const resource of wildcards) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kafka:<AWS::Region>:<AWS::AccountId>:${resource}]`,
        reason:
          "Kafka Connect names its topics and groups by prefix: the change topics <prefix>.<schema>.<table> (one per captured table), MSK Connect's internal __amazon_msk_connect_* topics and groups, and the connector's own connect-* group, all within this cluster.",
      });
    }
    return role;
  }
}

/** The database the connector reads, and how it logs in. */
interface ShopSource {
  readonly host: string;
  readonly port: number;
  readonly secret: secretsmanager.ISecret;
  /**
   * filtered: Debezium creates the publication of the captured tables (the user must own them);
   * disabled: the replication user's custom resource created it as the master user.
   */
  readonly publicationMode: 'filtered' | 'disabled';
  readonly cluster?: rds.DatabaseCluster;
  readonly replicationUser?: ShopReplicationUser;
}

/** The Debezium PostgreSQL connector's configuration. */
function debeziumConfiguration({ pipeline, config }: ChangeDataCaptureProps, source: ShopSource): Record<string, string> {
  const cdc = pipeline.changeCapture;
  const secretField = (field: string) => source.secret.secretValueFromJson(field).unsafeUnwrap();
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'topic.prefix': cdc.topicPrefix,
    'database.hostname': source.host,
    'database.port': String(source.port),
    'database.dbname': config.sourceDatabase,
    // CloudFormation resolves these dynamic references at deploy time; see docs/cdc.md for the
    // MSK Connect config provider alternative, which keeps them out of the connector's configuration.
    'database.user': secretField('username'),
    'database.password': secretField('password'),
    'slot.name': cdc.slotName,
    'publication.name': cdc.publicationName,
    'table.include.list': cdc.topics.map((t) => `${cdc.schema}.${t.table}`).join(','),
    ...DEBEZIUM_ENCODING,
    'publication.autocreate.mode': source.publicationMode,
    ...WORKER_PROPERTIES,
  };
}
