import { describe, expect, it } from 'vitest';
import {
  buildFailureEnvelope,
  DEFAULT_EVENT_SOURCE_ARN,
  FailureCondition,
  functionArnFor,
} from '../../local/event-source-mapping/failure-envelope.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { EventSourceInfo } from '../../src/kafka/msk-event-codec.js';

// The Kafka on-failure destination sample of docs/lambda-kafka-esm.md section 3, payload filled in.
const AWS_SAMPLE = {
  requestContext: {
    requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2019-11-14T18:16:05.568Z',
  KafkaBatchInfo: {
    batchSize: 1,
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abc123',
    bootstrapServers: 'b-1.mycluster.abc123.kafka.us-east-1.amazonaws.com:9098',
    payloadSize: 1162,
    recordInfo: { offset: '100', timestamp: '2025-06-05T09:44:52.330Z' },
  },
  payload: {
    bootstrapServers: 'b-1.mycluster.abc123.kafka.us-east-1.amazonaws.com:9098',
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abc123',
    records: {
      'my-topic-0': [
        {
          headers: [],
          key: 'dGVzdC1rZXk=',
          offset: 100,
          partition: 0,
          timestamp: 1749116692330,
          timestampType: 'CREATE_TIME',
          topic: 'my-topic',
          value: 'dGVzdC12YWx1ZQ==',
        },
      ],
    },
  },
};

const source: EventSourceInfo = {
  eventSource: 'aws:kafka',
  eventSourceArn: AWS_SAMPLE.KafkaBatchInfo.eventSourceArn,
  bootstrapServers: AWS_SAMPLE.KafkaBatchInfo.bootstrapServers,
};

const record: KafkaRecord = {
  topic: 'my-topic',
  partition: 0,
  offset: 100,
  timestamp: 1749116692330,
  timestampType: 'CREATE_TIME',
  key: Buffer.from('test-key'),
  value: Buffer.from('test-value'),
  headers: [],
};

describe('buildFailureEnvelope', () => {
  it('matches the AWS sample field for field, in the same order', () => {
    const envelope = buildFailureEnvelope(
      record,
      {
        requestId: AWS_SAMPLE.requestContext.requestId,
        condition: FailureCondition.retriesExhausted,
        approximateInvokeCount: 3,
        batchSize: 1,
        payloadSize: 1162,
      },
      { functionArn: AWS_SAMPLE.requestContext.functionArn, source, now: new Date(AWS_SAMPLE.timestamp) },
    );
    expect(JSON.stringify(envelope)).toBe(JSON.stringify(AWS_SAMPLE));
  });

  it('describes a record too large to invoke: never invoked, no function error', () => {
    const envelope = buildFailureEnvelope(
      { ...record, key: null, headers: [{ key: 'h', value: Buffer.from([0xc3, 0xab]) }] },
      {
        requestId: 'r-1',
        condition: FailureCondition.maximumPayloadSizeExceeded,
        approximateInvokeCount: 0,
        batchSize: 1,
        payloadSize: 7_000_000,
      },
      { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ingest:$LATEST', source },
    );
    expect(envelope.requestContext.condition).toBe('MaximumPayloadSizeExceeded');
    expect(envelope.requestContext.approximateInvokeCount).toBe(0);
    expect(envelope.responseContext).toEqual({ statusCode: 413, executedVersion: '$LATEST' });
    const payloadRecord = envelope.payload?.records['my-topic-0']?.[0];
    expect(payloadRecord).toBeDefined();
    expect(payloadRecord && 'key' in payloadRecord).toBe(false);
    expect(payloadRecord?.headers).toEqual([{ h: [-61, -85] }]);
    expect(Date.parse(envelope.timestamp)).not.toBeNaN();
  });
});

describe('functionArnFor', () => {
  it('takes region and account from the cluster ARN', () => {
    expect(functionArnFor('ingest', 'arn:aws:kafka:eu-west-1:123456789012:cluster/c/abc')).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:ingest:$LATEST',
    );
    expect(functionArnFor('sink', DEFAULT_EVENT_SOURCE_ARN)).toBe('arn:aws:lambda:us-east-1:000000000000:function:sink:$LATEST');
    expect(functionArnFor('sink', undefined)).toBe('arn:aws:lambda:us-east-1:000000000000:function:sink:$LATEST');
  });
});
