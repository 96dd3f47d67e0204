/**
 * The analytics store: Aurora PostgreSQL Serverless v2, encrypted with a customer managed key,
 * IAM database authentication on, master credentials generated into Secrets Manager.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { DatabaseConfig, RemovalMode } from '../../src/config/tributary-config.js';
import type { StoreTarget } from '../functions/function-targets.js';
import { acknowledge, NagFinding } from '../nag/nag-acknowledgements.js';
import type { PipelineNetwork } from '../network/pipeline-network.js';

export interface AnalyticsDatabaseProps {
  /** DB cluster identifier; also names its log group. */
  readonly clusterIdentifier: string;
  readonly config: DatabaseConfig;
  readonly network: PipelineNetwork;
  readonly logRetention: logs.RetentionDays;
}

/** Database the pipeline's tables live in. */
export const DATABASE_NAME = 'tributary';
/** Master user; used only by the migration custom resource. */
export const MASTER_USER = 'tributary_admin';

const REMOVAL_POLICIES: Record<RemovalMode, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  snapshot: RemovalPolicy.SNAPSHOT,
  destroy: RemovalPolicy.DESTROY,
};

export class AnalyticsDatabase extends Construct implements StoreTarget {
  readonly cluster: rds.DatabaseCluster;
  readonly databaseName = DATABASE_NAME;
  readonly key: kms.Key;
  readonly config: DatabaseConfig;

  constructor(scope: Construct, id: string, props: AnalyticsDatabaseProps) {
    super(scope, id);
    const { config, network } = props;
    this.config = config;
    const removalPolicy = REMOVAL_POLICIES[config.removal];
    this.key = new kms.Key(this, 'StorageKey', {
      description: `Encrypts Aurora cluster ${props.clusterIdentifier}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `Aurora cluster ${props.clusterIdentifier}: PostgreSQL from the pipeline functions only`,
      allowAllOutbound: false,
    });
    // Exported PostgreSQL logs land here; creating it ourselves sets retention without a custom resource.
    const logGroup = new logs.LogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const instance = { publiclyAccessible: false, autoMinorVersionUpgrade: true };
    // With readers, instances are spread over the zones (writer in the first), so losing a zone leaves
    // a reader to fail over to. Without readers the writer is left where RDS puts it.
    const zones = network.vpc.availabilityZones;
    const zoneOf = (i: number) => (config.readers > 0 ? { availabilityZone: zones[i % zones.length] } : {});
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: props.clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
      writer: rds.ClusterInstance.serverlessV2('Writer', { ...instance, ...zoneOf(0) }),
      // Readers scale with the writer so a failover lands on an instance of the same size.
      readers: Array.from({ length: config.readers }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { ...instance, scaleWithWriter: true, ...zoneOf(i + 1) }),
      ),
      serverlessV2MinCapacity: config.minCapacity,
      serverlessV2MaxCapacity: config.maxCapacity,
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      securityGroups: [securityGroup],
      credentials: rds.Credentials.fromGeneratedSecret(MASTER_USER),
      defaultDatabaseName: DATABASE_NAME,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      iamAuthentication: true,
      deletionProtection: config.deletionProtection,
      removalPolicy,
      backup: { retention: Duration.days(config.backupRetentionDays) },
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
    });
    this.cluster.node.addDependency(logGroup);
    acknowledge(this.cluster, NagFinding.masterSecretRotation);
    if (!config.deletionProtection) acknowledge(this.cluster, NagFinding.deletionProtectionOff);
  }
}
