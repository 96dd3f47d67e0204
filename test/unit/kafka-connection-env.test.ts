/** How a function finds Kafka: the brokers come from its environment, never from an MSK API call. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/env.js';
import { connectionFromEnv } from '../../src/kafka/kafka-client.js';

describe('connectionFromEnv', () => {
  it('reads the IAM brokers the stack passes in KAFKA_BROKERS', () => {
    const connection = connectionFromEnv('ingest', {
      KAFKA_BROKERS: 'b-1.c.kafka.eu-west-1.amazonaws.com:9098,b-2.c.kafka.eu-west-1.amazonaws.com:9098',
      KAFKA_AUTH: 'iam',
      AWS_REGION: 'eu-west-1',
    });
    expect(connection).toEqual({
      brokers: ['b-1.c.kafka.eu-west-1.amazonaws.com:9098', 'b-2.c.kafka.eu-west-1.amazonaws.com:9098'],
      auth: { type: 'iam', region: 'eu-west-1' },
      clientId: 'ingest',
    });
  });

  it('uses plaintext unless told otherwise', () => {
    expect(connectionFromEnv('twin', { KAFKA_BROKERS: '127.0.0.1:9092' }).auth).toEqual({ type: 'none' });
  });

  it('refuses to start without KAFKA_BROKERS, even with a cluster ARN (it does not look brokers up)', () => {
    const env = { MSK_CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:123456789012:cluster/c/uuid', KAFKA_AUTH: 'iam' };
    expect(() => connectionFromEnv('ingest', env)).toThrow(ConfigError);
    expect(() => connectionFromEnv('ingest', env)).toThrow('set KAFKA_BROKERS (host:port,...) to reach Kafka');
  });

  it('names a malformed broker list or auth mode', () => {
    expect(() => connectionFromEnv('x', { KAFKA_BROKERS: 'localhost' })).toThrow('KAFKA_BROKERS has "localhost", which is not host:port');
    expect(() => connectionFromEnv('x', { KAFKA_BROKERS: 'h:1', KAFKA_AUTH: 'scram' })).toThrow(
      'KAFKA_AUTH must be "none" or "iam", got "scram"',
    );
  });
});
