/**
 * The default environment's stack (MSK Serverless, on-demand mappings, SQS failure destination,
 * VPC endpoints, IAM-authorised APIs), checked against the pipeline definition it is built from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VPC_NETWORK_INTERFACE_ACTIONS } from '../../infra/functions/function-role.js';
import { batchingWindowSeconds } from '../../infra/functions/stage-mapping.js';
import { migrationsDigest } from '../../infra/store/schema-migrations.js';
import { APP_DB_USER, QUERY_DB_USER } from '../../infra/tributary-stack.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { topicSpecsFromPipeline } from '../../src/pipeline/topic-specs.js';
import {
  alarmNamed,
  asList,
  buildStack,
  dashboardMetrics,
  logicalId,
  onlyResourceProperties,
  type PolicyStatementJson,
  policyStatements,
  render,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type StackFixture,
  type TemplateJson,
} from './stack-fixture.js';

// The definition the stack must follow, built independently of the stack.
const pipeline = definePipeline();
const CLUSTER_NAME = `${pipeline.name}-dev`;

let f: StackFixture;
let clusterId: string;
const kafkaArn = (kind: 'topic' | 'group', name: string) =>
  `arn:\${AWS::Partition}:kafka:\${AWS::Region}:\${AWS::AccountId}:${kind}/${CLUSTER_NAME}/\${${clusterId}[2]}/${name}`;
const statementsOf = (fn: lambda.IFunction): PolicyStatementJson[] => {
  if (!fn.role) throw new Error('function has no role');
  return roleStatements(f.json, logicalId(fn.role));
};

const functionProperties = (fn: lambda.IFunction): Record<string, unknown> => f.json.Resources[logicalId(fn)]?.Properties ?? {};

beforeAll(() => {
  f = buildStack();
  clusterId = logicalId(f.stack.cluster);
});

describe('MSK', () => {
  it('is MSK Serverless with IAM client authentication, in the private subnets of two zones', () => {
    f.template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: CLUSTER_NAME,
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      VpcConfigs: [
        { SubnetIds: Match.anyValue(), SecurityGroups: [{ 'Fn::GetAtt': [logicalId(f.stack.cluster.securityGroup), 'GroupId'] }] },
      ],
    });
    const cluster = onlyResourceProperties<{ VpcConfigs: { SubnetIds: unknown[] }[] }>(f.json, 'AWS::MSK::ServerlessCluster');
    expect(cluster.VpcConfigs[0]?.SubnetIds).toHaveLength(2);
  });

  it('admits Kafka over IAM/TLS (9098) from the functions and from the mapping pollers only', () => {
    const sg = logicalId(f.stack.cluster.securityGroup);
    const ingress = resourcesOfType(f.json, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties ?? {})
      .filter((p) => render(p.GroupId) === `\${${sg}.GroupId}`);
    expect(ingress.map((p) => [p.FromPort, p.ToPort, render(p.SourceSecurityGroupId)]).sort()).toEqual(
      [
        [9098, 9098, `\${${logicalId(f.stack.network.functionSecurityGroup)}.GroupId}`],
        [9098, 9098, `\${${sg}.GroupId}`],
      ].sort(),
    );
  });

  it('gets its topics from the definition through the admin custom resource, kept on removal', () => {
    const resource = onlyResourceProperties<{ Topics: string; DeleteOnRemoval: string }>(f.json, 'Custom::TributaryTopics');
    expect(JSON.parse(resource.Topics)).toEqual(topicSpecsFromPipeline(pipeline));
    expect(resource.DeleteOnRemoval).toBe('false');
    expect(resourcesOfType(f.json, 'AWS::MSK::Topic')).toHaveLength(0);
  });
});

describe('event source mappings', () => {
  it.each(STAGE_NAMES)(
    '%s: topic, consumer group, batching, starting position and failure destination come from the definition',
    (stage) => {
      const def = pipeline.stages[stage];
      const fn = f.stack.stageFunctions.get(stage);
      if (!fn || !f.stack.failureQueue) throw new Error('missing function or failure queue');
      const window = batchingWindowSeconds(def.batchingWindowMs);
      f.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(fn) },
        EventSourceArn: { Ref: clusterId },
        Topics: [def.inputTopic],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: def.consumerGroupId },
        BatchSize: def.batchSize,
        MaximumBatchingWindowInSeconds: window === undefined ? Match.absent() : window,
        StartingPosition: def.startingPosition,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(f.stack.failureQueue), 'Arn'] } } },
        // On-demand mode: the provisioned-only options are left out.
        ProvisionedPollerConfig: Match.absent(),
        MaximumRetryAttempts: Match.absent(),
        BisectBatchOnFunctionError: Match.absent(),
        FunctionResponseTypes: Match.absent(),
        MetricsConfig: Match.absent(),
      });
      f.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        MemorySize: def.memoryMb,
        Timeout: def.timeoutSeconds,
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: stage, PIPELINE_NAME: pipeline.name }) },
      });
    },
  );

  it('one mapping per stage, each created after the topics exist', () => {
    const mappings = resourcesOfType(f.json, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(STAGE_NAMES.length);
    const topicsResource = resourcesOfType(f.json, 'Custom::TributaryTopics')[0]?.[0];
    for (const stage of STAGE_NAMES) {
      const fn = f.stack.stageFunctions.get(stage);
      if (!fn) throw new Error(stage);
      expect(f.json.Resources[logicalId(fn)]?.DependsOn).toContain(topicsResource);
    }
  });

  it('sends exhausted batches to an encrypted, TLS-only queue that keeps them 14 days', () => {
    f.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    f.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('data-plane IAM', () => {
  it('never grants a kafka-cluster action on a wildcard resource', () => {
    const kafkaStatements = resourcesOfType(f.json, 'AWS::IAM::Policy')
      .flatMap(([, r]) => policyStatements(r))
      .filter((s) => asList(s.Action).some((a) => a.startsWith('kafka-cluster:')));
    expect(kafkaStatements.length).toBeGreaterThan(0);
    for (const s of kafkaStatements) {
      for (const resource of asList(s.Resource).map(render)) {
        expect(resource).not.toContain('*');
        expect(resource === `\${${clusterId}}` || resource.startsWith(`arn:\${AWS::Partition}:kafka:`)).toBe(true);
      }
      expect(asList(s.Action).every((a) => a !== 'kafka-cluster:*')).toBe(true);
    }
  });

  it.each(STAGE_NAMES)('%s reads its input as its consumer group and writes only to its outputs', (stage) => {
    const def = pipeline.stages[stage];
    const fn = f.stack.stageFunctions.get(stage);
    if (!fn) throw new Error(stage);
    const statements = statementsOf(fn);
    const cluster = `\${${clusterId}}`;
    expect(new Set(resourcesFor(statements, 'kafka-cluster:Connect'))).toEqual(new Set([cluster]));
    expect(resourcesFor(statements, 'kafka-cluster:DescribeClusterDynamicConfiguration')).toEqual([cluster]);
    expect(resourcesFor(statements, 'kafka:GetBootstrapBrokers')).toContain(cluster);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([kafkaArn('topic', def.inputTopic)]);
    expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual(def.outputTopics.map((t) => kafkaArn('topic', t)).sort());
    expect(resourcesFor(statements, 'kafka-cluster:DescribeGroup')).toEqual([kafkaArn('group', def.consumerGroupId)]);
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup')).toEqual([kafkaArn('group', def.consumerGroupId)]);
    expect(new Set(resourcesFor(statements, 'kafka-cluster:DescribeTopic'))).toEqual(
      new Set([def.inputTopic, ...def.outputTopics].map((t) => kafkaArn('topic', t))),
    );
  });

  it('lets the HTTP ingest function write to the raw topic and nothing else', () => {
    const statements = statementsOf(f.stack.httpIngestFunction);
    expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([kafkaArn('topic', pipeline.topics.raw.name)]);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([]);
  });

  it('lets the topic admin create and configure exactly the pipeline topics, and not delete them', () => {
    const admin = f.stack.topics.adminFunction;
    if (!admin) throw new Error('no admin function');
    const statements = statementsOf(admin);
    const all = topicSpecsFromPipeline(pipeline)
      .map((t) => kafkaArn('topic', t.name))
      .sort();
    for (const action of ['CreateTopic', 'AlterTopic', 'DescribeTopicDynamicConfiguration', 'AlterTopicDynamicConfiguration']) {
      expect(resourcesFor(statements, `kafka-cluster:${action}`)).toEqual(all);
    }
    expect(resourcesFor(statements, 'kafka-cluster:DeleteTopic')).toEqual([]);
  });

  it('connects the store users as IAM database users: enrich and sink read-write, query read-only', () => {
    const dbuser = (user: string) =>
      `arn:\${AWS::Partition}:rds-db:\${AWS::Region}:\${AWS::AccountId}:dbuser:\${${logicalId(f.stack.database.cluster)}.DBClusterResourceId}/${user}`;
    for (const stage of STAGE_NAMES) {
      const fn = f.stack.stageFunctions.get(stage);
      if (!fn) throw new Error(stage);
      const expected = pipeline.stages[stage].usesStore ? [dbuser(APP_DB_USER)] : [];
      expect(resourcesFor(statementsOf(fn), 'rds-db:connect')).toEqual(expected);
    }
    expect(resourcesFor(statementsOf(f.stack.queryFunction), 'rds-db:connect')).toEqual([dbuser(QUERY_DB_USER)]);
    f.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'sink', DB_IAM_AUTH: 'true', DB_USER: APP_DB_USER, DB_NAME: 'tributary' }),
      },
    });
  });
});

describe('functions', () => {
  it('run arm64 on the newest Node.js runtime aws-cdk-lib offers, in the VPC, with a log retention', () => {
    const newest = Object.entries(lambda.Runtime)
      .filter(([key]) => /^NODEJS_\d+_X$/.test(key))
      .map(([key, runtime]) => [Number(key.split('_')[1]), (runtime as lambda.Runtime).name] as const)
      .sort((a, b) => b[0] - a[0])[0]?.[1];
    const functions = [...f.stack.stageFunctions.values(), f.stack.httpIngestFunction, f.stack.queryFunction, f.stack.migrations.function];
    for (const fn of functions) {
      const props = f.json.Resources[logicalId(fn)]?.Properties ?? {};
      expect(props.Runtime).toBe(newest);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.VpcConfig).toBeDefined();
      const logGroup = render((props.LoggingConfig as { LogGroup: unknown }).LogGroup).replace(/^\$\{|\}$/g, '');
      expect(f.json.Resources[logGroup]?.Properties?.RetentionInDays).toBe(30);
    }
  });
});

describe('API functions', () => {
  it('end before the HTTP API gives up on them (30 s integration limit)', () => {
    for (const fn of [f.stack.httpIngestFunction, f.stack.queryFunction]) {
      expect(f.json.Resources[logicalId(fn)]?.Properties?.Timeout).toBe(25);
    }
  });
});

describe('Aurora', () => {
  it('is Aurora PostgreSQL Serverless v2, encrypted with a rotating customer key, with IAM auth and deletion protection', () => {
    f.template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalId(f.stack.database.key), 'Arn'] },
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      MasterUsername: Match.anyValue(),
    });
    f.template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    f.template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
    f.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    f.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('gets its schema from the migration files and its IAM users from the schema custom resource', () => {
    f.template.hasResourceProperties('Custom::TributarySchema', {
      MigrationsDigest: migrationsDigest(),
      Users: JSON.stringify([
        { name: APP_DB_USER, access: 'read-write' },
        { name: QUERY_DB_USER, access: 'read-only' },
      ]),
      SeedReferenceData: 'true',
    });
  });
});

describe('HTTP APIs', () => {
  it('route POST /events to HTTP ingest and GET /query to the query function, all with IAM authorisation', () => {
    const routes = resourcesOfType(f.json, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(routes.sort()).toEqual([
      ['GET /query', 'AWS_IAM'],
      ['GET /query/{name}', 'AWS_IAM'],
      ['POST /events', 'AWS_IAM'],
    ]);
  });

  it('log every request and throttle each stage', () => {
    for (const [, stage] of resourcesOfType(f.json, 'AWS::ApiGatewayV2::Stage')) {
      expect(stage.Properties?.AccessLogSettings).toMatchObject({
        DestinationArn: expect.anything(),
        Format: expect.stringContaining('$context.requestId'),
      });
      expect(stage.Properties?.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    }
  });
});

describe('observability', () => {
  it('has one dashboard naming OffsetLag, every function, MSK bytes, business metrics and DLQ depth', () => {
    const dashboards = resourcesOfType(f.json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = render(dashboards[0]?.[1].Properties?.DashboardBody);
    for (const text of [
      'OffsetLag',
      'BytesInPerSec',
      'BytesOutPerSec',
      'RecordsIn',
      'RecordsOut',
      'RecordsInvalid',
      'IngestToQueryableLatency',
      'ApproximateNumberOfMessagesVisible',
      'ConcurrentExecutions',
      'Throttles',
      'p99',
    ]) {
      expect(body).toContain(text);
    }
    for (const fn of [...f.stack.stageFunctions.values(), f.stack.httpIngestFunction, f.stack.queryFunction]) {
      expect(body).toContain(`\${${logicalId(fn)}}`);
    }
  });

  it('alarms on offset lag per mapping, errors per function, a non-empty failure queue and Aurora capacity, to the SNS topic', () => {
    const topic = { Ref: logicalId(f.stack.alarms.topic) };
    for (const fn of f.stack.stageFunctions.values()) {
      // A mapping that cannot reach the cluster (authentication, network) reports no OffsetLag: that alarms too.
      f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'OffsetLag',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        Threshold: 10_000,
        TreatMissingData: 'breaching',
        AlarmActions: [topic],
      });
    }
    for (const fn of [...f.stack.stageFunctions.values(), f.stack.httpIngestFunction, f.stack.queryFunction]) {
      f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        AlarmActions: [topic],
      });
    }
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    f.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ACUUtilization', Threshold: 90, AlarmActions: [topic] });
    f.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('alarms when records enter raw every minute for 10 minutes and the sink stores none', () => {
    const alarm = alarmNamed(f.json, 'pipeline-stalled');
    expect(alarm).toMatchObject({ EvaluationPeriods: 10, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: Record<string, unknown> };
    }[];
    expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toBe('IF(FILL(rawIn, 0) > 0 AND FILL(stored, 0) == 0, 1, 0)');
    expect(metrics.find((m) => m.Id === 'rawIn')?.MetricStat?.Metric).toEqual({
      Namespace: 'AWS/Kafka',
      MetricName: 'MessagesInPerSec',
      Dimensions: [
        { Name: 'Cluster Name', Value: CLUSTER_NAME },
        { Name: 'Topic', Value: pipeline.topics.raw.name },
      ],
    });
    expect(metrics.find((m) => m.Id === 'stored')?.MetricStat?.Metric).toMatchObject({
      Namespace: `Tributary/${CLUSTER_NAME}`,
      MetricName: 'RecordsOut',
      Dimensions: expect.arrayContaining([{ Name: 'stage', Value: 'sink' }]),
    });
  });

  it('alarms on freshness p99, the DLQ rate, throttles and API 5xx', () => {
    const freshness = alarmNamed(f.json, 'freshness-p99');
    expect(freshness).toMatchObject({ Threshold: 5000, EvaluationPeriods: 5, ComparisonOperator: 'GreaterThanThreshold' });
    expect(freshness.Metrics).toEqual([
      expect.objectContaining({
        MetricStat: expect.objectContaining({
          Metric: expect.objectContaining({ MetricName: 'IngestToQueryableLatency', Namespace: `Tributary/${CLUSTER_NAME}` }),
          Stat: 'p99',
        }),
      }),
    ]);
    const dlq = alarmNamed(f.json, 'dlq-rate');
    expect(dlq).toMatchObject({ Threshold: 500, EvaluationPeriods: 1 });
    const dlqMetrics = (dlq.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[]).filter((m) => m.MetricStat);
    expect(dlqMetrics.map((m) => m.MetricStat?.Metric.MetricName)).toEqual(STAGE_NAMES.map(() => 'RecordsInvalid'));
    const throttles = alarmNamed(f.json, 'throttles');
    const throttled = (throttles.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: unknown }[] } } }[])
      .filter((m) => m.MetricStat)
      .map((m) => render(m.MetricStat?.Metric.Dimensions[0]?.Value));
    expect(throttled.sort()).toEqual(
      [...f.stack.stageFunctions.values(), f.stack.httpIngestFunction, f.stack.queryFunction].map((fn) => `\${${logicalId(fn)}}`).sort(),
    );
    for (const [name, api] of [
      ['ingest', f.stack.ingestApi],
      ['query', f.stack.queryApi],
    ] as const) {
      expect(alarmNamed(f.json, `${name}-api-5xx`)).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(api.api) } }],
        Threshold: 1,
      });
    }
  });

  it('charts API traffic, MSK time and offset lag per consumer group, and Aurora CPU, memory and commit latency', () => {
    const metrics = dashboardMetrics(f.json);
    const chart = (namespace: string, name: string) => metrics.filter((m) => m.namespace === namespace && m.metricName === name);
    for (const name of ['Count', '4xx', '5xx', 'Latency']) {
      expect(
        chart('AWS/ApiGateway', name)
          .map((m) => m.dimensions.ApiId)
          .sort(),
      ).toEqual([f.stack.ingestApi, f.stack.queryApi].map((a) => `\${${logicalId(a.api)}}`).sort());
    }
    for (const name of ['EstimatedMaxTimeLag', 'MaxOffsetLag']) {
      expect(chart('AWS/Kafka', name).map((m) => m.dimensions)).toEqual(
        STAGE_NAMES.map((stage) => ({
          'Cluster Name': CLUSTER_NAME,
          'Consumer Group': pipeline.stages[stage].consumerGroupId,
          Topic: pipeline.stages[stage].inputTopic,
        })),
      );
    }
    for (const name of ['CPUUtilization', 'FreeableMemory', 'CommitLatency']) {
      expect(chart('AWS/RDS', name).map((m) => m.dimensions)).toEqual([
        { DBClusterIdentifier: `\${${logicalId(f.stack.database.cluster)}}` },
      ]);
    }
    // On-demand mappings on MSK Serverless: no mapping counts and no brokers to chart.
    expect(chart('AWS/Lambda', 'PolledEventCount')).toEqual([]);
    expect(metrics.filter((m) => m.dimensions['Broker ID'] !== undefined)).toEqual([]);
  });

  it('lets only CloudWatch of this account use the alarm topic key', () => {
    const key = f.json.Resources[logicalId(f.stack.alarms.topic.masterKey as unknown as IConstruct)]?.Properties?.KeyPolicy as {
      Statement: { Principal?: { Service?: string }; Condition?: unknown }[];
    };
    const statement = key.Statement.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(statement?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('outputs the dashboard URL, both API URLs and the cluster ARN', () => {
    const outputs = f.json.Outputs ?? {};
    const dashboard = logicalId(f.stack.dashboard.dashboard);
    expect(render(outputs.DashboardUrl?.Value)).toBe(
      `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards:name=\${${dashboard}}`,
    );
    expect(f.json.Resources[dashboard]?.Properties?.DashboardName).toBe(`tributary-${CLUSTER_NAME}`);
    expect(render(outputs.ClusterArn?.Value)).toBe(`\${${clusterId}}`);
    expect(render(outputs.IngestApiUrl?.Value)).toMatch(/^https:\/\/\$\{.+\}\.execute-api\./);
    expect(render(outputs.QueryApiUrl?.Value)).toMatch(/^https:\/\/\$\{.+\}\.execute-api\./);
  });
});

describe('network', () => {
  it('has no internet path: isolated subnets, interface endpoints for Lambda, STS, Secrets Manager and SQS, flow logs', () => {
    f.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    f.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const services = resourcesOfType(f.json, 'AWS::EC2::VPCEndpoint').map(([, r]) => render(r.Properties?.ServiceName).split('.').pop());
    // No endpoint for the MSK API: nothing in the VPC calls it (brokers are looked up at deploy time).
    expect(services.sort()).toEqual(['lambda', 'secretsmanager', 'sqs', 'sts']);
    f.template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it("lets the mapping pollers (the cluster's security group) reach the SQS failure destination's endpoint over HTTPS", () => {
    const [sqsEndpoint] = resourcesOfType(f.json, 'AWS::EC2::VPCEndpoint').filter(([, r]) =>
      render(r.Properties?.ServiceName).endsWith('.sqs'),
    );
    expect(sqsEndpoint?.[1].Properties?.SubnetIds).toHaveLength(2);
    expect(sqsEndpoint?.[1].Properties?.PrivateDnsEnabled).toBe(true);
    const endpointGroups = ((sqsEndpoint?.[1].Properties?.SecurityGroupIds as unknown[]) ?? []).map(render);
    const clusterGroup = `\${${logicalId(f.stack.cluster.securityGroup)}.GroupId}`;
    const admitted = resourcesOfType(f.json, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties ?? {})
      .filter((p) => endpointGroups.includes(render(p.GroupId)) && render(p.SourceSecurityGroupId) === clusterGroup);
    expect(admitted.map((p) => [p.IpProtocol, p.FromPort, p.ToPort])).toEqual([['tcp', 443, 443]]);
  });
});

describe('Kafka brokers', () => {
  const lookup = () => {
    const found = resourcesOfType(f.json, 'Custom::AWS');
    expect(found).toHaveLength(1);
    return found[0] as [string, TemplateJson['Resources'][string]];
  };
  const kafkaFunctions = () => [...f.stack.stageFunctions.values(), f.stack.httpIngestFunction, f.stack.topics.adminFunction];

  it('are looked up once per deploy with GetBootstrapBrokers on the cluster, from outside the VPC', () => {
    const [, resource] = lookup();
    const call = JSON.parse(render(resource.Properties?.Create)) as { service: string; action: string; parameters: { ClusterArn: string } };
    expect(call).toMatchObject({ service: 'Kafka', action: 'GetBootstrapBrokers', parameters: { ClusterArn: `\${${clusterId}}` } });
    expect(render(resource.Properties?.Update)).toBe(render(resource.Properties?.Create));
    expect(resource.Properties?.InstallLatestAwsSdk).toBe(false);
    const [handlerId, handler] =
      resourcesOfType(f.json, 'AWS::Lambda::Function').find(([id]) => render(resource.Properties?.ServiceToken) === `\${${id}.Arn}`) ?? [];
    expect(handlerId).toBeDefined();
    expect(handler?.Properties?.VpcConfig).toBeUndefined();
    const role = render(handler?.Properties?.Role).replace(/^\$\{|\.Arn\}$/g, '');
    const statements = roleStatements(f.json, role);
    expect(resourcesFor(statements, 'kafka:GetBootstrapBrokers')).toEqual([`\${${clusterId}}`]);
    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual([
      'kafka:GetBootstrapBrokers',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('reach every Kafka client in KAFKA_BROKERS, from the lookup', () => {
    const [lookupId] = lookup();
    for (const fn of kafkaFunctions()) {
      if (!fn) throw new Error('missing function');
      const variables = (functionProperties(fn).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(render(variables.KAFKA_BROKERS)).toBe(`\${${lookupId}.BootstrapBrokerStringSaslIam}`);
      expect(variables.KAFKA_AUTH).toBe('iam');
    }
  });

  it('are never read through the MSK API at run time: no grant to the functions that only produce or administer, no call in any bundle', () => {
    for (const fn of [f.stack.httpIngestFunction, f.stack.topics.adminFunction, f.stack.queryFunction, f.stack.migrations.function]) {
      if (!fn) throw new Error('missing function');
      expect(resourcesFor(statementsOf(fn), 'kafka:GetBootstrapBrokers')).toEqual([]);
    }
    const functions = [...kafkaFunctions(), f.stack.queryFunction, f.stack.migrations.function];
    for (const fn of functions) {
      if (!fn) throw new Error('missing function');
      const key = String((functionProperties(fn).Code as { S3Key: string }).S3Key);
      const bundle = readFileSync(join(f.app.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
      expect(bundle.length).toBeGreaterThan(10_000);
      expect(bundle).not.toContain('GetBootstrapBrokers');
    }
  });
});

describe('execution roles', () => {
  const roleOf = (fn: lambda.IFunction) => {
    if (!fn.role) throw new Error('no role');
    return logicalId(fn.role);
  };
  const functions = () => [
    ...f.stack.stageFunctions.values(),
    f.stack.httpIngestFunction,
    f.stack.queryFunction,
    f.stack.migrations.function,
    f.stack.topics.adminFunction,
  ];

  it('attach no AWS managed policy (each of the Lambda ones allows logging to any log group)', () => {
    for (const [, role] of resourcesOfType(f.json, 'AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('let each function write logs to its own log group only', () => {
    for (const fn of functions()) {
      if (!fn) throw new Error('missing function');
      const logGroup = render((functionProperties(fn).LoggingConfig as { LogGroup: unknown }).LogGroup).replace(/^\$\{|\}$/g, '');
      const statements = roleStatements(f.json, roleOf(fn));
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        expect(resourcesFor(statements, action)).toEqual([`\${${logGroup}.Arn}`]);
      }
      expect(resourcesFor(statements, 'logs:CreateLogGroup')).toEqual([]);
    }
  });

  it('grant "*" only for the VPC network interface actions', () => {
    const wildcard = resourcesOfType(f.json, 'AWS::IAM::Policy')
      .flatMap(([, r]) => policyStatements(r))
      .filter((s) => asList(s.Resource).some((r) => render(r) === '*'));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const statement of wildcard) {
      expect(asList(statement.Action).sort()).toEqual([...VPC_NETWORK_INTERFACE_ACTIONS].sort());
    }
  });

  it("grant each mapping's broker lookup on its cluster only", () => {
    for (const fn of f.stack.stageFunctions.values()) {
      const statements = statementsOf(fn);
      expect(resourcesFor(statements, 'kafka:DescribeClusterV2')).toEqual([`\${${clusterId}}`]);
      expect(new Set(resourcesFor(statements, 'kafka:GetBootstrapBrokers'))).toEqual(new Set([`\${${clusterId}}`]));
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(f.stack);
    const findings = report.violations.map(
      (v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('leaves no error or warning annotation from the CDK', () => {
    expect(Annotations.fromStack(f.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(f.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
