/**
 * One deployed environment of a pipeline: network, MSK and its topics, the stage functions with
 * their event source mappings, Aurora with its schema, the HTTP APIs, dashboard and alarms. The
 * pipeline definition decides the topology; this stack only places it on AWS.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, type ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type TributaryConfig, usesProvisionedPollers } from '../src/config/tributary-config.js';
import { defineArchive } from '../src/pipeline/archive-definition.js';
import { definePipeline, type PipelineDefinition, STAGE_NAMES, type StageName } from '../src/pipeline/definition.js';
import { PipelineApi } from './api/pipeline-api.js';
import { TopicArchive } from './archive/topic-archive.js';
import { ChangeStages } from './cdc/change-stages.js';
import { type FunctionSettings, PipelineFunction } from './functions/pipeline-function.js';
import { PipelineStage, pascalCase } from './functions/pipeline-stage.js';
import { KafkaCluster } from './kafka/kafka-cluster.js';
import { PipelineTopics } from './kafka/pipeline-topics.js';
import { acknowledge, NagFinding } from './nag/nag-acknowledgements.js';
import { PipelineNetwork } from './network/pipeline-network.js';
import type { ObservedPipeline } from './observability/observed-pipeline.js';
import { PipelineAlarms } from './observability/pipeline-alarms.js';
import { PipelineDashboard } from './observability/pipeline-dashboard.js';
import { AnalyticsDatabase } from './store/analytics-database.js';
import { SchemaMigrations } from './store/schema-migrations.js';

export interface TributaryStackProps extends StackProps {
  /** Validated configuration (readConfig). */
  readonly config: TributaryConfig;
}

/** IAM database user of the stages that write (enrich reads reference data, sink writes events). */
export const APP_DB_USER = 'tributary_app';
/** IAM database user of the query API: SELECT only. */
export const QUERY_DB_USER = 'tributary_query';

/** Stack name of an environment of a pipeline. */
export function stackName(config: TributaryConfig): string {
  return `Tributary-${config.pipeline.name}-${config.environment}`;
}

/**
 * Timeout of the functions behind the HTTP APIs: under API Gateway's 30 s integration limit, so
 * the function (and its log) ends before the caller gets a 503 from the gateway.
 */
export const API_FUNCTION_TIMEOUT = Duration.seconds(25);

/** What the parts of the stack are built from: the configuration and what it derives. */
interface StackContext {
  readonly config: TributaryConfig;
  readonly pipeline: PipelineDefinition;
  /** `<pipeline>-<environment>`, the base of resource names. */
  readonly name: string;
  readonly logRetention: RetentionDays;
  readonly settings: FunctionSettings;
}

export class TributaryStack extends Stack {
  readonly pipeline: PipelineDefinition;
  readonly network: PipelineNetwork;
  readonly cluster: KafkaCluster;
  readonly topics: PipelineTopics;
  readonly database: AnalyticsDatabase;
  readonly migrations: SchemaMigrations;
  readonly stageFunctions = new Map<StageName, PipelineFunction>();
  readonly mappings = new Map<StageName, ManagedKafkaEventSource>();
  readonly httpIngestFunction: PipelineFunction;
  readonly queryFunction: PipelineFunction;
  readonly ingestApi: PipelineApi;
  readonly queryApi: PipelineApi;
  readonly failureQueue?: sqs.Queue;
  readonly alarms: PipelineAlarms;
  readonly dashboard: PipelineDashboard;
  private readonly zoneCount: number;
  /** The Firehose archive (archive.enabled). */
  readonly archive?: TopicArchive;
  /** Change data capture (MSK Connect + Debezium, catalogue and orders stages), when cdc.enabled. */
  readonly changeStages?: ChangeStages;

  constructor(scope: Construct, id: string, props: TributaryStackProps) {
    const { config } = props;
    super(scope, id, {
      description: `Tributary pipeline ${config.pipeline.name} (${config.environment}): MSK, Lambda, Aurora PostgreSQL`,
      ...(config.account || config.region ? { env: { account: config.account, region: config.region } } : {}),
      ...props,
    });
    this.zoneCount = config.network.maxAzs;
    const pipeline = definePipeline(config.pipeline);
    this.pipeline = pipeline;
    const name = `${pipeline.name}-${config.environment}`;
    const logRetention = config.logRetentionDays as RetentionDays;

    const kafkaFailures = config.eventSource.failureDestination === 'kafka';
    this.network = new PipelineNetwork(this, 'Network', { config: config.network, sqsEndpoint: !kafkaFailures, logRetention });
    this.cluster = new KafkaCluster(this, 'Kafka', { clusterName: name, config: config.kafka, network: this.network, logRetention });
    const settings: FunctionSettings = {
      pipelineName: pipeline.name,
      network: this.network,
      metricsNamespace: `Tributary/${name}`,
      logRetention,
    };
    const context: StackContext = { config, pipeline, name, logRetention, settings };
    this.topics = this.pipelineTopics(context);
    this.database = new AnalyticsDatabase(this, 'Database', {
      clusterIdentifier: `tributary-${name}`,
      config: config.database,
      network: this.network,
      logRetention,
    });
    this.migrations = this.schemaMigrations(context);

    if (!kafkaFailures) this.failureQueue = this.newFailureQueue(config);
    const onFailure = this.failureQueue ? new SqsDlq(this.failureQueue) : new KafkaDlq(pipeline.topics.failures.name);
    this.addStages(context, onFailure);
    if (config.archive?.enabled) this.archive = this.topicArchive(context);
    this.changeStages = this.changeDataCapture(context, onFailure);

    this.httpIngestFunction = new PipelineFunction(this, 'HttpIngestFunction', {
      name: 'http-ingest',
      description: `HTTP ingest: validates a batch of raw events and produces it to ${pipeline.topics.raw.name}`,
      settings,
      timeout: API_FUNCTION_TIMEOUT,
    }).bindKafkaProducer(this.cluster, [pipeline.topics.raw.name]);
    this.httpIngestFunction.node.addDependency(this.topics.ready);
    this.queryFunction = new PipelineFunction(this, 'QueryFunction', {
      name: 'query',
      description: 'Query API: named analytics over the store',
      settings,
      timeout: API_FUNCTION_TIMEOUT,
    }).bindStore(this.database, QUERY_DB_USER);
    this.queryFunction.node.addDependency(this.migrations.resource);
    [this.ingestApi, this.queryApi] = this.httpApis(context);

    const observed = this.observedPipeline(context);
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      observed,
      config: config.alarms,
      databaseMaxCapacity: config.database.maxCapacity,
      namePrefix: `tributary-${name}`,
    });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', { dashboardName: `tributary-${name}`, observed, alarms: this.alarms.alarms });
    this.addOutputs();
  }

  private pipelineTopics({ config, pipeline, settings }: StackContext): PipelineTopics {
    const topics = new PipelineTopics(this, 'Topics', {
      pipeline,
      cluster: this.cluster,
      settings,
      deleteOnRemoval: config.deleteTopicsOnRemoval,
    });
    // The custom resource's function reaches the brokers from the private subnets.
    topics.node.addDependency(this.network);
    return topics;
  }

  private schemaMigrations({ config, settings }: StackContext): SchemaMigrations {
    const migrations = new SchemaMigrations(this, 'Schema', {
      database: this.database,
      settings,
      users: [
        { name: APP_DB_USER, access: 'read-write' },
        { name: QUERY_DB_USER, access: 'read-only' },
      ],
      seedReferenceData: config.database.seedReferenceData,
    });
    migrations.node.addDependency(this.network);
    return migrations;
  }

  private newFailureQueue(config: TributaryConfig): sqs.Queue {
    const queue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(config.eventSource.failureQueueRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(queue, NagFinding.failureQueueHasNoDlq);
    return queue;
  }

  /** The pipeline's stages, each a function fed by its mapping (PipelineStage). */
  private addStages({ config, pipeline, settings }: StackContext, onFailure: lambda.IEventSourceDlq): void {
    const { minPollers, maxPollers, failureDestination } = config.eventSource;
    const provisioned = usesProvisionedPollers(config)
      ? {
          ...(minPollers !== undefined ? { minimumPollers: minPollers } : {}),
          ...(maxPollers !== undefined ? { maximumPollers: maxPollers } : {}),
        }
      : undefined;
    for (const stage of STAGE_NAMES) {
      const { function: fn, mapping } = new PipelineStage(this, `${pascalCase(stage)}Stage`, {
        definition: pipeline.stages[stage],
        settings,
        cluster: this.cluster,
        onFailure,
        ...(failureDestination === 'kafka' ? { failureTopic: pipeline.topics.failures.name } : {}),
        ...(provisioned ? { provisioned } : {}),
        store: { database: this.database, dbUser: APP_DB_USER, schemaReady: this.migrations.resource },
        topicsReady: this.topics.ready,
      });
      this.stageFunctions.set(stage, fn);
      this.mappings.set(stage, mapping);
    }
  }

  private topicArchive({ pipeline, name, logRetention }: StackContext): TopicArchive {
    const archive = new TopicArchive(this, 'Archive', {
      archive: defineArchive(pipeline),
      cluster: this.cluster,
      databaseName: `tributary_${name.replaceAll('-', '_')}`,
      logRetention,
    });
    archive.node.addDependency(this.topics.ready);
    new CfnOutput(this, 'ArchiveBucket', { value: archive.bucket.bucketName, description: 'S3 bucket of the topic archive' });
    new CfnOutput(this, 'ArchiveAthenaWorkGroup', { value: archive.workGroup.ref, description: 'Athena workgroup for archive queries' });
    return archive;
  }

  private changeDataCapture(context: StackContext, onFailure: lambda.IEventSourceDlq): ChangeStages | undefined {
    const cdcConfig = context.config.cdc;
    if (!cdcConfig.enabled) return undefined;
    const changeStages = new ChangeStages(this, 'ChangeDataCapture', {
      pipeline: context.pipeline,
      cluster: this.cluster,
      network: this.network,
      database: this.database,
      dbUser: APP_DB_USER,
      settings: context.settings,
      onFailure,
      config: cdcConfig,
      name: context.name,
      logRetention: context.logRetention,
    });
    changeStages.node.addDependency(this.topics.ready, this.migrations.resource);
    return changeStages;
  }

  private httpApis({ config, name, logRetention }: StackContext): [ingest: PipelineApi, query: PipelineApi] {
    const ingest = new PipelineApi(this, 'IngestApi', {
      apiName: `${name}-ingest`,
      description: `Ingest API of pipeline ${name}: POST /events with a batch of raw events`,
      handler: this.httpIngestFunction,
      routes: [{ path: '/events', methods: [HttpMethod.POST] }],
      config: config.api,
      logRetention,
    });
    const query = new PipelineApi(this, 'QueryApi', {
      apiName: `${name}-query`,
      description: `Query API of pipeline ${name}: named analytics`,
      handler: this.queryFunction,
      routes: [
        { path: '/query', methods: [HttpMethod.GET] },
        { path: '/query/{name}', methods: [HttpMethod.GET] },
      ],
      config: config.api,
      logRetention,
    });
    return [ingest, query];
  }

  /** What the dashboard and the alarms watch. */
  private observedPipeline({ config, pipeline, settings }: StackContext): ObservedPipeline {
    const functions = new Map<string, lambda.IFunction>([
      ...[...this.stageFunctions].map(([stage, fn]) => [stage, fn] as const),
      ['http-ingest', this.httpIngestFunction],
      ['query', this.queryFunction],
    ]);
    return {
      pipeline,
      metricsNamespace: settings.metricsNamespace,
      stageFunctions: this.stageFunctions,
      mappings: this.mappings,
      functions,
      apis: new Map([
        ['ingest', this.ingestApi.api],
        ['query', this.queryApi.api],
      ]),
      clusterName: this.cluster.clusterName,
      clusterType: config.kafka.clusterType,
      ...(config.kafka.clusterType === 'provisioned' ? { brokerCount: config.kafka.brokerCount } : {}),
      mappingMetrics: usesProvisionedPollers(config),
      ...(this.failureQueue ? { failureQueue: this.failureQueue } : {}),
      database: this.database.cluster,
    };
  }

  private addOutputs(): void {
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the pipeline',
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'IngestApiUrl', { description: 'POST /events here (SigV4-signed with IAM auth)', value: this.ingestApi.url });
    new CfnOutput(this, 'QueryApiUrl', { description: 'GET named analytics here', value: this.queryApi.url });
    new CfnOutput(this, 'ClusterArn', { description: 'MSK cluster', value: this.cluster.clusterArn });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'Subscribe to receive alarms', value: this.alarms.topic.topicArn });
    if (this.failureQueue) {
      new CfnOutput(this, 'FailureQueueUrl', { description: 'Batches whose retries ran out', value: this.failureQueue.queueUrl });
    }
  }

  /**
   * The zones the VPC spreads over. An environment-agnostic stack sees only two (the CDK cannot
   * look the region up at synth); with more asked for, take that many from Fn::GetAZs of the
   * region deployed to, so prod gets three zones without pinning an account.
   */
  override get availabilityZones(): string[] {
    if ((Token.isUnresolved(this.account) || Token.isUnresolved(this.region)) && this.zoneCount > 2) {
      return Array.from({ length: this.zoneCount }, (_, i) => Fn.select(i, Fn.getAzs()));
    }
    return super.availabilityZones;
  }
}
