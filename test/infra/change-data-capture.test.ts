/**
 * The opt-in change data capture of the stack: off by default; with cdc.enabled, MSK Connect runs
 * Debezium from the user's S3 plugin with the converters and encodings of docs/cdc.md, IAM auth to
 * MSK, a role scoped to the change and internal topics, an Aurora source with logical replication,
 * and the catalogue and orders functions with one mapping per change topic from the definition.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readChangeDataCaptureConfig } from '../../infra/cdc/change-data-capture.js';
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

  it('refuses an incomplete configuration, naming every missing key', () => {
    const get = (values: Record<string, unknown>) => (key: string) => values[key];
    expect(() => readChangeDataCaptureConfig(get({ 'cdc.enabled': 'true' }))).toThrow(/cdc\.pluginBucketArn.*cdc\.pluginKey/);
    expect(() => readChangeDataCaptureConfig(get({ ...PLUGIN, 'cdc.sourceHost': 'db.example.com' }))).toThrow(
      /cdc\.sourceHost and cdc\.sourceSecretArn/,
    );
    expect(() => readChangeDataCaptureConfig(get({ 'cdc.enabled': 'yes' }))).toThrow(/cdc\.enabled must be true or false/);
    expect(readChangeDataCaptureConfig(get({})).enabled).toBe(false);
  });
});
