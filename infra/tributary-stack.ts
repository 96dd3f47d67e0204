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
import { defineArchive } from '../src/pipeline/archive-definition.js';
import { definePipeline, type PipelineDefinition, STAGE_NAMES, type StageName } from '../src/pipeline/definition.js';
import { PipelineApi } from './api/pipeline-api.js';
import { TopicArchive } from './archive/topic-archive.js';
import { readChangeDataCaptureConfig } from './cdc/change-data-capture.js';
import { ChangeStages } from './cdc/change-stages.js';
import { type TributaryConfig, usesProvisionedPollers } from './config/tributary-config.js';
import { type FunctionSettings, PipelineFunction } from './functions/pipeline-function.js';
import { stageMappingProps } from './functions/stage-mapping.js';
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

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

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
    this.cluster = new KafkaCluster(this, 'Kafka', {
      clusterName: name,
      config: config.kafka,
      network: this.network,
      logRetention,
    });
    const settings: FunctionSettings = {
      pipelineName: pipeline.name,
      network: this.network,
      metricsNamespace: `Tributary/${name}`,
      logRetention,
    };

    this.topics = new PipelineTopics(this, 'Topics', {
      pipeline,
      cluster: this.cluster,
      settings,
      deleteOnRemoval: config.deleteTopicsOnRemoval,
    });
    // The custom resource's function reaches the brokers from the private subnets.
    this.topics.node.addDependency(this.network);

    this.database = new AnalyticsDatabase(this, 'Database', {
      clusterIdentifier: `tributary-${name}`,
      config: config.database,
      network: this.network,
      logRetention,
    });
    this.migrations = new SchemaMigrations(this, 'Schema', {
      database: this.database,
      settings,
      users: [
        { name: APP_DB_USER, access: 'read-write' },
        { name: QUERY_DB_USER, access: 'read-only' },
      ],
      seedReferenceData: config.database.seedReferenceData,
    });
    this.migrations.node.addDependency(this.network);

    const provisioned = usesProvisionedPollers(config);
    if (!kafkaFailures) {
      this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(config.eventSource.failureQueueRetentionDays),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledge(this.failureQueue, NagFinding.failureQueueHasNoDlq);
    }
    const onFailure = this.failureQueue ? new SqsDlq(this.failureQueue) : new KafkaDlq(pipeline.topics.failures.name);

    for (const stage of STAGE_NAMES) {
      const definition = pipeline.stages[stage];
      const fn = new PipelineFunction(this, `${pascal(stage)}Function`, {
        name: stage,
        description: `${stage}: ${definition.description}`,
        settings,
        memoryMb: definition.memoryMb,
        timeout: Duration.seconds(definition.timeoutSeconds),
      });
      // With a Kafka failure destination the mapping, running as this function's role, writes there too.
      fn.bindKafkaProducer(
        this.cluster,
        kafkaFailures ? [...definition.outputTopics, pipeline.topics.failures.name] : definition.outputTopics,
      );
      if (definition.usesStore) {
        fn.bindStore(this.database, APP_DB_USER);
        fn.node.addDependency(this.migrations.resource);
      }
      const mapping = fn.bindKafkaConsumer(
        this.cluster,
        stageMappingProps(definition, {
          onFailure,
          ...(provisioned
            ? {
                provisioned: {
                  ...(config.eventSource.minPollers !== undefined ? { minimumPollers: config.eventSource.minPollers } : {}),
                  ...(config.eventSource.maxPollers !== undefined ? { maximumPollers: config.eventSource.maxPollers } : {}),
                },
              }
            : {}),
        }),
      );
      fn.node.addDependency(this.topics.ready);
      this.stageFunctions.set(stage, fn);
      this.mappings.set(stage, mapping);
    }

    if (config.archive?.enabled) {
      this.archive = new TopicArchive(this, 'Archive', {
        archive: defineArchive(pipeline),
        cluster: this.cluster,
        databaseName: `tributary_${name.replaceAll('-', '_')}`,
        logRetention,
      });
      this.archive.node.addDependency(this.topics.ready);
      new CfnOutput(this, 'ArchiveBucket', { value: this.archive.bucket.bucketName, description: 'S3 bucket of the topic archive' });
      new CfnOutput(this, 'ArchiveAthenaWorkGroup', {
        value: this.archive.workGroup.ref,
        description: 'Athena workgroup for archive queries',
      });
    }
    const cdcConfig = readChangeDataCaptureConfig((key) => this.node.tryGetContext(key));
    if (cdcConfig.enabled) {
      this.changeStages = new ChangeStages(this, 'ChangeDataCapture', {
        pipeline,
        cluster: this.cluster,
        network: this.network,
        database: this.database,
        dbUser: APP_DB_USER,
        settings,
        onFailure,
        config: cdcConfig,
        name,
        logRetention,
      });
      this.changeStages.node.addDependency(this.topics.ready, this.migrations.resource);
    }

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

    this.ingestApi = new PipelineApi(this, 'IngestApi', {
      apiName: `${name}-ingest`,
      description: `Ingest API of pipeline ${name}: POST /events with a batch of raw events`,
      handler: this.httpIngestFunction,
      routes: [{ path: '/events', methods: [HttpMethod.POST] }],
      config: config.api,
      logRetention,
    });
    this.queryApi = new PipelineApi(this, 'QueryApi', {
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

    const functions = new Map<string, lambda.IFunction>([
      ...[...this.stageFunctions].map(([stage, fn]) => [stage, fn] as const),
      ['http-ingest', this.httpIngestFunction],
      ['query', this.queryFunction],
    ]);
    const observed: ObservedPipeline = {
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
      mappingMetrics: provisioned,
      ...(this.failureQueue ? { failureQueue: this.failureQueue } : {}),
      database: this.database.cluster,
    };
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      observed,
      config: config.alarms,
      databaseMaxCapacity: config.database.maxCapacity,
      namePrefix: `tributary-${name}`,
    });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      dashboardName: `tributary-${name}`,
      observed,
      alarms: this.alarms.alarms,
    });

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
