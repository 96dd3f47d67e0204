import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchAssembler } from '../../local/event-source-mapping/batch-assembler.js';
import { recordFromMessage } from '../../local/event-source-mapping/record-from-message.js';
import { type EventSourceInfo, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';

// The event sample of docs/lambda-kafka-esm.md section 1 (AWS guide, second partition with a keyless record).
const SAMPLE = `{"eventSource":"aws:kafka",
 "eventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2",
 "bootstrapServers":"b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092",
 "records":{
  "mytopic-0":[{"topic":"mytopic","partition":0,"offset":15,"timestamp":1545084650987,"timestampType":"CREATE_TIME",
    "key":"abcDEFghiJKLmnoPQRstuVWXyz1234==","value":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
    "headers":[{"headerKey":[104,101,97,100,101,114,86,97,108,117,101]}]}],
  "mytopic-1":[{"topic":"mytopic","partition":1,"offset":7,"timestamp":1545084650990,"timestampType":"CREATE_TIME",
    "value":"SGVsbG8=","headers":[]}]}}`;

const sample = JSON.parse(SAMPLE);
const source: EventSourceInfo = {
  eventSource: 'aws:kafka',
  eventSourceArn: sample.eventSourceArn,
  bootstrapServers: sample.bootstrapServers,
};

interface MessageFields {
  offset: string;
  timestamp: string;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
  timestampType?: number;
}

/** A message as kafkajs hands it to eachBatch (record batch v2; kafkajs adds an untyped batchContext). */
function message(fields: MessageFields): KafkaMessage {
  const entry = {
    key: fields.key ?? null,
    value: fields.value ?? null,
    attributes: 0,
    offset: fields.offset,
    timestamp: fields.timestamp,
    headers: fields.headers ?? {},
    batchContext: { timestampType: fields.timestampType ?? 0 },
  };
  return entry;
}

describe('events built by the mapping', () => {
  it('reproduce the AWS sample byte for byte', () => {
    const keyBytes = Buffer.from(sample.records['mytopic-0'][0].key, 'base64');
    const records = [
      recordFromMessage(
        'mytopic',
        0,
        message({
          offset: '15',
          timestamp: '1545084650987',
          key: keyBytes,
          value: Buffer.from('Hello, this is a test.'),
          headers: { headerKey: Buffer.from('headerValue') },
        }),
      ),
      recordFromMessage('mytopic', 1, message({ offset: '7', timestamp: '1545084650990', value: Buffer.from('Hello') })),
    ];
    const assembler = new BatchAssembler({ batchSize: 10, maxPayloadBytes: 6 * 1024 * 1024, windowMs: 0 }, source);
    for (const r of records) expect(assembler.offer(r, 0)).toBe('added');
    const batch = assembler.take();
    const event = encodeMskEvent(batch.records, source);

    // The guide's key is not canonical base64 (its last character carries stray bits), so the
    // expectation uses the canonical encoding of the same bytes; everything else is verbatim.
    const expected = structuredClone(sample);
    expected.records['mytopic-0'][0].key = keyBytes.toString('base64');
    expect(JSON.stringify(event)).toBe(JSON.stringify(expected));
    expect(batch.payloadBytes).toBe(Buffer.byteLength(JSON.stringify(event)));
    expect('key' in (event.records['mytopic-1']?.[0] ?? {})).toBe(false);
  });

  it('sends header bytes as signed Java bytes and keeps repeated headers', () => {
    const record = recordFromMessage(
      'mytopic',
      0,
      message({
        offset: '1',
        timestamp: '1',
        value: Buffer.from('x'),
        headers: { name: 'Zoë', trace: [Buffer.from([0x00, 0xff]), 'a'] },
      }),
    );
    const event = encodeMskEvent([record], source);
    expect(event.records['mytopic-0']?.[0]?.headers).toEqual([{ name: [90, 111, -61, -85] }, { trace: [0, -1] }, { trace: [97] }]);
  });

  it('reads the timestamp type from the record batch', () => {
    const logAppend = message({ offset: '3', timestamp: '99', timestampType: 1 });
    const record = recordFromMessage('t', 2, logAppend);
    expect(record).toMatchObject({ topic: 't', partition: 2, offset: 3, timestamp: 99, timestampType: 'LOG_APPEND_TIME' });
    // A tombstone: no value field at all.
    expect('value' in (encodeMskEvent([record], source).records['t-2']?.[0] ?? {})).toBe(false);
  });
});
