/**
 * A pipeline Lambda function: bundled with esbuild from functions/<name>/handler.ts, arm64 on the
 * newest Node.js runtime aws-cdk-lib offers, in the VPC, with Powertools settings, its own log
 * group and an execution role that writes only to that group (function-role.ts). Every `bind...`
 * method sets the environment variables a capability needs AND grants it, so configuration and
 * permission never drift apart.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, type ManagedKafkaEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { bundlingOptions, FUNCTIONS_DIR, newestNodeRuntime, PROJECT_ROOT } from './function-bundling.js';
import { FunctionRole } from './function-role.js';
import type { FunctionNetwork, KafkaClusterTarget, StoreTarget } from './function-targets.js';
import { type KafkaAccess, kafkaAccessStatements, mappingControlPlaneStatement } from './kafka-access.js';

/** Settings every pipeline function shares. */
export interface FunctionSettings {
  readonly pipelineName: string;
  readonly network: FunctionNetwork;
  /** POWERTOOLS_METRICS_NAMESPACE */
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export interface PipelineFunctionProps {
  /** Folder under functions/ that holds handler.ts; also the Powertools service name. */
  readonly name: string;
  readonly description: string;
  readonly settings: FunctionSettings;
  /** @default 512 */
  readonly memoryMb?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Extra bundling steps, e.g. copying files next to the bundle. @default - none */
  readonly commandHooks?: nodejs.ICommandHooks;
}

export class PipelineFunction extends nodejs.NodejsFunction {
  /** Short name (ingest, enrich, ...), as in functions/<name>. */
  readonly shortName: string;
  private readonly settings: FunctionSettings;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    const { settings } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new FunctionRole(scope, `${id}Role`, { logGroup, inVpc: true, description: `Execution role of ${props.name}` });
    super(scope, id, {
      description: props.description,
      role,
      entry: join(FUNCTIONS_DIR, props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: newestNodeRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      vpc: settings.network.vpc,
      vpcSubnets: settings.network.privateSubnets,
      securityGroups: [settings.network.functionSecurityGroup],
      bundling: bundlingOptions(props.commandHooks),
      environment: {
        PIPELINE_NAME: settings.pipelineName,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: settings.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.shortName = props.name;
    this.settings = settings;
  }

  /** Produces to the given topics with IAM auth: brokers in the environment, WriteData on those topics. */
  bindKafkaProducer(cluster: KafkaClusterTarget, topics: readonly string[]): this {
    return this.bindKafka(cluster, { kind: 'produce', topics });
  }

  /** Creates and updates the given topics through the Kafka admin API. */
  bindKafkaAdmin(cluster: KafkaClusterTarget, topics: readonly string[], deleteTopics: boolean): this {
    return this.bindKafka(cluster, { kind: 'administer', topics, deleteTopics });
  }

  /**
   * Triggers this function from a topic with an event source mapping, and grants the mapping
   * (which runs with this function's role) what it needs to read the topic as its consumer group.
   * The mapping resolves the brokers itself (kafka:DescribeClusterV2, kafka:GetBootstrapBrokers on
   * the cluster); the function's own code never calls the MSK API.
   */
  bindKafkaConsumer(
    cluster: KafkaClusterTarget,
    props: Omit<ManagedKafkaEventSourceProps, 'clusterArn'> & { consumerGroupId: string },
  ): ManagedKafkaEventSource {
    const source = new ManagedKafkaEventSource({ ...props, clusterArn: cluster.clusterArn });
    this.addEventSource(source);
    this.addToRolePolicy(mappingControlPlaneStatement(cluster));
    for (const statement of kafkaAccessStatements(cluster, { kind: 'consume', topic: props.topic, groupId: props.consumerGroupId })) {
      this.addToRolePolicy(statement);
    }
    return source;
  }

  /**
   * Connects to the analytics store as an IAM database user: host, port, database and user in the
   * environment, rds-db:connect for that user, and a network path to the database.
   */
  bindStore(database: StoreTarget, dbUser: string): this {
    this.addEnvironment('DB_HOST', database.cluster.clusterEndpoint.hostname);
    this.addEnvironment('DB_PORT', database.cluster.clusterEndpoint.port.toString());
    this.addEnvironment('DB_NAME', database.databaseName);
    this.addEnvironment('DB_USER', dbUser);
    this.addEnvironment('DB_IAM_AUTH', 'true');
    this.trustAmazonCertificates();
    database.cluster.grantConnect(this, dbUser);
    database.cluster.connections.allowDefaultPortFrom(this.settings.network.functionSecurityGroup, `${this.shortName} function`);
    return this;
  }

  /** Connects to the analytics store as its master user, reading the credentials from Secrets Manager. */
  bindStoreAdmin(database: StoreTarget): this {
    this.bindClusterAdminCredentials(database.cluster, database.databaseName);
    database.cluster.connections.allowDefaultPortFrom(this.settings.network.functionSecurityGroup, `${this.shortName} function`);
    return this;
  }

  /**
   * The master user of an Aurora cluster's database: host, port, database and the master secret's
   * ARN in the environment, and read access to that secret. The network path is the caller's.
   */
  bindClusterAdminCredentials(cluster: rds.DatabaseCluster, databaseName: string): this {
    const secret = cluster.secret;
    if (!secret) throw new Error(`the Aurora cluster ${cluster.node.path} has no master secret`);
    this.addEnvironment('DB_SECRET_ARN', secret.secretArn);
    this.addEnvironment('DB_HOST', cluster.clusterEndpoint.hostname);
    this.addEnvironment('DB_PORT', cluster.clusterEndpoint.port.toString());
    this.addEnvironment('DB_NAME', databaseName);
    this.trustAmazonCertificates();
    secret.grantRead(this);
    return this;
  }

  private bindKafka(cluster: KafkaClusterTarget, access: KafkaAccess): this {
    // Looked up once at deploy time: no MSK API call (and no endpoint for it) at cold start.
    this.addEnvironment('KAFKA_BROKERS', cluster.bootstrapBrokers);
    this.addEnvironment('KAFKA_AUTH', 'iam');
    this.addEnvironment('MSK_CLUSTER_ARN', cluster.clusterArn);
    for (const statement of kafkaAccessStatements(cluster, access)) this.addToRolePolicy(statement);
    return this;
  }

  // Node.js 20+ runtimes no longer load the Amazon CA bundle by default; Aurora's TLS certificate needs it.
  private trustAmazonCertificates(): void {
    this.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem');
  }
}
