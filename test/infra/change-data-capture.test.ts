/**
 * The opt-in change data capture of the stack: off by default; with cdc.enabled, MSK Connect runs
 * Debezium from the user's S3 plugin with the converters and encodings of docs/cdc.md, IAM auth to
 * MSK, a role scoped to the change and internal topics, an Aurora source with logical replication,
 * and the catalogue and orders functions with one mapping per change topic from the definition.
 */
import { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/read-config.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { buildStack } from './stack-fixture.js';

const PLUGIN = { 'cdc.enabled': 'true', 'cdc.pluginBucketArn': 'arn:aws:s3:::my-plugins', 'cdc.pluginKey': 'debezium-postgres-2.7.zip' };

describe('change data capture in the stack', () => {
  it('is off by default: no connector, no change functions', () => {
    const { template } = buildStack();
    template.resourceCountIs('AWS::KafkaConnect::Connector', 0);
  });

  it('runs Debezium on MSK Connect with the documented converters, IAM auth and a scoped role', () => {
    const { template, json, stack } = buildStack(PLUGIN);
    const cdc = definePipeline().changeCapture;
    template.hasResourceProperties('AWS::KafkaConnect::CustomPlugin', {
      ContentType: 'ZIP',
      Location: { S3Location: { BucketArn: 'arn:aws:s3:::my-plugins', FileKey: 'debezium-postgres-2.7.zip' } },
    });
    const worker = Object.values(json.Resources).find((r) => r.Type === 'AWS::KafkaConnect::WorkerConfiguration');
    const properties = Buffer.from(String(worker?.Properties?.PropertiesFileContent), 'base64').toString();
    expect(properties).toContain('value.converter=org.apache.kafka.connect.json.JsonConverter');
    expect(properties).toContain('value.converter.schemas.enable=false');
    expect(properties).toContain('key.converter.schemas.enable=false');
    template.hasResourceProperties('AWS::KafkaConnect::Connector', {
      KafkaClusterClientAuthentication: { AuthenticationType: 'IAM' },
      KafkaClusterEncryptionInTransit: { EncryptionType: 'TLS' },
      ConnectorConfiguration: Match.objectLike({
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'topic.prefix': cdc.topicPrefix,
        'plugin.name': 'pgoutput',
        'decimal.handling.mode': 'string',
        'time.precision.mode': 'adaptive',
        'binary.handling.mode': 'base64',
        'tombstones.on.delete': 'true',
        'slot.name': cdc.slotName,
        'table.include.list': cdc.topics.map((t) => `public.${t.table}`).join(','),
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ 'rds.logical_replication': '1' }),
    });
    // The service execution role touches only the change topics and MSK Connect's own topics and groups.
    const role = stack.changeStages?.capture.role;
    expect(role).toBeDefined();
    const policy = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes('ServiceExecutionRole'),
    );
    const text = JSON.stringify(policy?.Properties?.PolicyDocument);
    expect(text).toContain(`/${cdc.topicPrefix}.*`);
    expect(text).toContain('/__amazon_msk_connect_*');
    expect(text).not.toMatch(/"Resource":"\*"/);
  });

  it('adds the catalogue and orders functions with one event source mapping per change topic, and passes cdk-nag', () => {
    const { json, stack } = buildStack(PLUGIN);
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const mappings = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const topics = mappings.flatMap((m) => (m.Properties?.Topics as string[] | undefined) ?? []);
    for (const stage of definePipeline().changeCapture.stages) expect(topics).toContain(stage.inputTopic);
  });

  it('a new source: the connector logs in as the replication user, created by a custom resource after the cluster', () => {
    const { json, stack } = buildStack(PLUGIN);
    const capture = stack.changeStages?.capture;
    const source = capture?.sourceCluster;
    const replication = capture?.replicationUser;
    if (!capture || !source?.secret || !replication) throw new Error('expected a new Aurora source with its replication user');
    const id = (c: IConstruct) => stack.getLogicalId((CfnElement.isCfnElement(c) ? c : c.node.defaultChild) as CfnElement);
    const replicationSecretId = id(replication.secret);
    const masterSecretId = id(source.secret);
    const cdc = definePipeline().changeCapture;

    // A generated secret for `debezium`, without the characters that break connection strings.
    const secret = json.Resources[replicationSecretId];
    expect(secret?.Type).toBe('AWS::SecretsManager::Secret');
    const generate = secret?.Properties?.GenerateSecretString as { SecretStringTemplate: unknown; ExcludeCharacters: string };
    // The template joins in the master secret's ARN (for multi-user rotation), so it is an intrinsic.
    expect(JSON.stringify(generate.SecretStringTemplate)).toContain('\\"username\\":\\"debezium\\"');
    for (const c of [' ', '"', "'", '@', '/', '\\', ':', '?', '#', '&', '%']) expect(generate.ExcludeCharacters).toContain(c);

    // The custom resource waits for the cluster and its writer, and is given the captured tables and the publication.
    const resource = Object.entries(json.Resources).find(([, r]) => r.Type === 'Custom::TributaryShopReplicationUser');
    expect(resource).toBeDefined();
    const [resourceId, custom] = resource as [string, (typeof json.Resources)[string]];
    const writer = Object.entries(json.Resources).find(
      ([, r]) => r.Type === 'AWS::RDS::DBInstance' && JSON.stringify(r.Properties?.DBClusterIdentifier).includes(id(source)),
    )?.[0];
    expect(writer).toBeDefined();
    expect(custom.DependsOn).toEqual(expect.arrayContaining([id(source), writer]));
    expect(JSON.parse(String(custom.Properties?.Tables))).toEqual(cdc.topics.map((t) => t.table));
    expect(custom.Properties?.Publication).toBe(cdc.publicationName);
    // Its function reads the master secret (to log in) and the replication secret (the password to set).
    const fnEnv = JSON.stringify(json.Resources[id(replication.function)]?.Properties?.Environment);
    expect(fnEnv).toContain(masterSecretId);
    expect(fnEnv).toContain(replicationSecretId);

    // The connector: the replication secret's username and password, never the master's; after the user exists;
    // the publication made by the custom resource.
    const connector = json.Resources[id(capture.connector)];
    const config = connector?.Properties?.ConnectorConfiguration as Record<string, unknown>;
    expect(JSON.stringify(config['database.user'])).toContain(replicationSecretId);
    expect(JSON.stringify(config['database.password'])).toContain(replicationSecretId);
    expect(JSON.stringify(config)).not.toContain(masterSecretId);
    expect(config['publication.autocreate.mode']).toBe('disabled');
    expect(connector?.DependsOn).toContain(resourceId);

    // The service execution role reads the replication secret and no other.
    const policy = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(id(capture.role)),
    );
    const document = policy?.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] } | undefined;
    const statements = document?.Statement ?? [];
    const secretStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((s) => s.Resource)).toEqual([{ Ref: replicationSecretId }]);
  });

  it('an existing source: the connector logs in with the named secret and Debezium creates the publication', () => {
    const existing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-cdc-AbCdEf';
    const { json, stack, template } = buildStack({ ...PLUGIN, 'cdc.sourceHost': 'shop.example.internal', 'cdc.sourceSecretArn': existing });
    expect(stack.changeStages?.capture.replicationUser).toBeUndefined();
    template.resourceCountIs('Custom::TributaryShopReplicationUser', 0);
    const connector = Object.values(json.Resources).find((r) => r.Type === 'AWS::KafkaConnect::Connector');
    const config = connector?.Properties?.ConnectorConfiguration as Record<string, unknown>;
    expect(config['database.hostname']).toBe('shop.example.internal');
    expect(JSON.stringify(config['database.password'])).toContain(existing);
    expect(config['publication.autocreate.mode']).toBe('filtered');
  });

  it('refuses an incomplete configuration, naming every missing key', () => {
    expect(() => readConfig({ 'cdc.enabled': 'true' })).toThrow(/cdc\.pluginBucketArn.*cdc\.pluginKey/);
    expect(() => readConfig({ ...PLUGIN, 'cdc.sourceHost': 'db.example.com' })).toThrow(/cdc\.sourceHost and cdc\.sourceSecretArn/);
    expect(() => readConfig({ 'cdc.enabled': 'yes' })).toThrow(/cdc\.enabled must be true or false/);
    expect(() => readConfig({ ...PLUGIN, 'cdc.workers': 11 })).toThrow(/cdc\.workers must be an integer from 1 to 10, got 11/);
    expect(readConfig({}).cdc.enabled).toBe(false);
  });

  it('reads the cdc settings from an environment block like every other setting', () => {
    const config = readConfig({
      environments: { dev: { cdc: { ...Object.fromEntries(Object.entries(PLUGIN).map(([k, v]) => [k.slice(4), v])), workers: 2 } } },
    });
    expect(config.cdc).toMatchObject({
      enabled: true,
      pluginKey: 'debezium-postgres-2.7.zip',
      workers: 2,
      sourcePort: 5432,
      sourceDatabase: 'shop',
    });
  });
});
