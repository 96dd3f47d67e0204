/**
 * The replication user Debezium logs in with on a new Aurora shop source: a generated secret
 * (`debezium` and a password without the characters that break connection strings), and a custom
 * resource whose handler (functions/shop-replication-user), as the master user, applies the shop
 * schema and creates the user with that password, rds_replication, SELECT on the captured tables
 * and the publication of those tables. The connector therefore never holds the master password.
 */
import { createHash } from 'node:crypto';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { BUNDLED_SHOP_MIGRATIONS_DIR, SHOP_MIGRATIONS_DIR } from '../../src/shop/shop-database.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { customResourceProvider } from '../functions/custom-resource-provider.js';
import { type FunctionSettings, PipelineFunction } from '../functions/pipeline-function.js';
import { acknowledge, NagFinding } from '../nag/nag-acknowledgements.js';

/** The replication user's name. */
export const REPLICATION_USER = 'debezium';

export interface ShopReplicationUserProps {
  readonly source: rds.DatabaseCluster;
  readonly databaseName: string;
  readonly schema: string;
  readonly tables: readonly string[];
  readonly publication: string;
  readonly secretName: string;
  readonly settings: FunctionSettings;
}

function shopMigrationsDigest(): string {
  const hash = createHash('sha256');
  for (const m of loadMigrations(SHOP_MIGRATIONS_DIR)) hash.update(`${m.version}\0${m.name}\0${m.sql}\0`);
  return hash.digest('hex');
}

export class ShopReplicationUser extends Construct {
  readonly secret: rds.DatabaseSecret;
  readonly function: PipelineFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ShopReplicationUserProps) {
    super(scope, id);
    // DatabaseSecret excludes " %+~`#$&*()|[]{}:;<>?!'/@\ from the password (as the master secret),
    // and is encrypted like it, with the account's Secrets Manager key.
    this.secret = new rds.DatabaseSecret(this, 'Secret', {
      username: REPLICATION_USER,
      secretName: props.secretName,
      masterSecret: props.source.secret,
    });
    acknowledge(this.secret, NagFinding.connectorSecretRotation);

    this.function = new PipelineFunction(this, 'Function', {
      name: 'shop-replication-user',
      description: 'Applies the shop schema and creates the Debezium replication user (custom resource)',
      settings: props.settings,
      memoryMb: 256,
      timeout: Duration.minutes(2),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir, outputDir) => [`cp -R "${inputDir}/src/shop/migrations" "${outputDir}/${BUNDLED_SHOP_MIGRATIONS_DIR}"`],
      },
    }).bindClusterAdminCredentials(props.source, props.databaseName);
    // The rules live here rather than on the shared function security group's construct, so they
    // follow this construct's dependencies (the CDC part waits for the analytics schema).
    const functions = props.settings.network.functionSecurityGroup;
    const sourceGroup = props.source.connections.securityGroups[0] as ec2.ISecurityGroup;
    new ec2.CfnSecurityGroupIngress(this, 'SourceFromFunction', {
      groupId: sourceGroup.securityGroupId,
      sourceSecurityGroupId: functions.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      description: 'shop-replication-user function',
    });
    new ec2.CfnSecurityGroupEgress(this, 'FunctionToSource', {
      groupId: functions.securityGroupId,
      destinationSecurityGroupId: sourceGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      description: 'shop source database',
    });
    this.function.addEnvironment('REPLICATION_SECRET_ARN', this.secret.secretArn);
    this.secret.grantRead(this.function);

    const provider = customResourceProvider(this, 'Provider', this.function, props.settings.logRetention);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TributaryShopReplicationUser',
      properties: {
        // A new secret or shop migration runs the handler again.
        ReplicationSecretArn: this.secret.secretArn,
        ShopMigrationsDigest: shopMigrationsDigest(),
        Schema: props.schema,
        Tables: JSON.stringify(props.tables),
        Publication: props.publication,
      },
    });
    // Wait for the writer instance, not only the cluster resource.
    this.resource.node.addDependency(props.source);
  }
}
