/** Reading DLQ and failure-destination messages back, from records built by the very code that writes them. */
import { describe, expect, it } from 'vitest';
import { parseDlqMessage, parseFailureMessage, UNREADABLE_ENVELOPE } from '../../local/dlq/dlq-entry.js';
import { entryJson, formatEntryDetail } from '../../local/dlq/dlq-format.js';
import {
  buildBatchFailureEnvelope,
  buildFailureEnvelope,
  FailureCondition,
  functionArnFor,
} from '../../local/event-source-mapping/failure-envelope.js';
import type { TopicMessage } from '../../local/kafka/read-topic.js';
import { InvalidReason } from '../../src/events/invalid-reason.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import type { KafkaRecord, OutputRecord } from '../../src/kafka/msk-event.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { toDlqRecord } from '../../src/stages/dlq-record.js';

const pipeline = definePipeline({ name: 'shop' });

function rawRecord(value: string | null, overrides: Partial<KafkaRecord> = {}): KafkaRecord {
  return {
    topic: pipeline.topics.raw.name,
    partition: 2,
    offset: 155,
    timestamp: Date.UTC(2026, 0, 5, 10),
    timestampType: 'CREATE_TIME',
    key: Buffer.from('u-7'),
    value: value === null ? null : Buffer.from(value),
    headers: [{ key: 'traceparent', value: Buffer.from('00-abc-01') }],
    ...overrides,
  };
}

/** An OutputRecord as a consumer would read it back from the topic. */
function asMessage(record: OutputRecord, partition: number, offset: number): TopicMessage {
  const headers: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(record.headers)) headers[key] = Buffer.from(String(value));
  return {
    key: record.key === null ? null : Buffer.from(record.key),
    value: record.value === null ? null : Buffer.from(record.value),
    headers,
    timestamp: String(Date.UTC(2026, 0, 5, 11)),
    attributes: 0,
    offset: String(offset),
    partition,
  } as TopicMessage;
}

describe('parseDlqMessage', () => {
  it('reads reason, stage, source and time from the headers, and gives back the original record', () => {
    const value = JSON.stringify({ eventId: 'e-1', type: 'purchase', currency: 'EURO' });
    const dlq = toDlqRecord(
      rawRecord(value),
      pipeline.topics.dlq.name,
      'ingest',
      InvalidReason.INVALID_CURRENCY,
      'currency "EURO" is not an ISO 4217 code',
      Date.UTC(2026, 0, 5, 10, 30),
    );

    const entry = parseDlqMessage(asMessage(dlq, 1, 42));

    expect(entry).toMatchObject({
      from: 'dlq',
      partition: 1,
      offset: 42,
      time: Date.UTC(2026, 0, 5, 10, 30),
      stage: 'ingest',
      reason: 'INVALID_CURRENCY',
      detail: 'currency "EURO" is not an ISO 4217 code',
      source: { topic: 'shop-raw', partition: 2, offset: 155 },
      eventId: 'e-1',
    });
    expect(entry.key?.toString()).toBe('u-7');
    expect(entry.value?.toString()).toBe(value);
    // Only the original headers remain.
    expect(entry.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['traceparent', '00-abc-01']]);
  });

  it('has no event id for a value that is not a JSON object with one', () => {
    for (const value of ['not json', '[1]', '{"eventId":42}', null]) {
      const dlq = toDlqRecord(rawRecord(value), pipeline.topics.dlq.name, 'ingest', InvalidReason.NOT_JSON, 'x');
      expect(parseDlqMessage(asMessage(dlq, 0, 0)).eventId).toBeUndefined();
    }
  });

  it('falls back to the Kafka timestamp and reason UNKNOWN when headers are missing', () => {
    const entry = parseDlqMessage(asMessage({ topic: 'shop-dlq', key: null, value: 'x', headers: {} }, 0, 3));
    expect(entry).toMatchObject({ reason: 'UNKNOWN', time: Date.UTC(2026, 0, 5, 11) });
    expect(entry.source).toBeUndefined();
    expect(entry.stage).toBeUndefined();
  });

  it('ignores a source offset that is not a number', () => {
    const dlq = toDlqRecord(rawRecord('{}'), pipeline.topics.dlq.name, 'ingest', InvalidReason.MISSING_FIELD, 'x');
    dlq.headers[DlqHeader.offset] = 'twelve';
    expect(parseDlqMessage(asMessage(dlq, 0, 0)).source).toBeUndefined();
  });
});

describe('parseFailureMessage', () => {
  const source = { eventSource: 'aws:kafka' as const, bootstrapServers: 'localhost:9092' };
  const failure = {
    requestId: 'req-1',
    condition: FailureCondition.retriesExhausted,
    approximateInvokeCount: 11,
    batchSize: 1,
    payloadSize: 900,
  };

  it('reads the envelope: condition, stage from the source topic, and the original record from the payload', () => {
    const record = rawRecord(JSON.stringify({ eventId: 'e-9' }), { topic: pipeline.topics.enriched.name, partition: 0, offset: 77 });
    const envelope = buildFailureEnvelope(record, failure, {
      functionArn: functionArnFor('shop-sink', undefined),
      source,
      now: new Date(Date.UTC(2026, 0, 6)),
    });
    const entry = parseFailureMessage(
      asMessage({ topic: 'shop-failures', key: 'u-7', value: JSON.stringify(envelope), headers: {} }, 0, 5),
      pipeline,
    );

    expect(entry).toMatchObject({
      from: 'failures',
      offset: 5,
      time: Date.UTC(2026, 0, 6),
      stage: 'sink',
      reason: 'RetriesExhausted',
      detail: '11 invocations, Unhandled',
      source: { topic: 'shop-enriched', partition: 0, offset: 77 },
      eventId: 'e-9',
    });
    expect(entry.headers.map((h) => h.key)).toEqual(['traceparent']);
    expect(entry.envelope?.requestContext.requestId).toBe('req-1');
  });

  it('reads an SQS-format batch envelope: the condition and where the records are, nothing to replay', () => {
    const records = [
      rawRecord('a', { topic: pipeline.topics.clean.name, partition: 1, offset: 40 }),
      rawRecord('b', { topic: pipeline.topics.clean.name, partition: 1, offset: 42 }),
    ];
    const envelope = buildBatchFailureEnvelope(records, { ...failure, batchSize: 2 }, { functionArn: 'arn', source });
    const entry = parseFailureMessage(
      asMessage({ topic: 'shop-failures', key: null, value: JSON.stringify(envelope), headers: {} }, 0, 8),
      pipeline,
    );
    expect(entry).toMatchObject({
      reason: 'RetryAttemptsExhausted',
      detail: `11 invocations, Unhandled, no payload; records ${pipeline.topics.clean.name}-1 40..42`,
      value: null,
    });
    expect(entry.source).toBeUndefined();
  });

  it('keeps null and empty header values and repeated names of the record in the envelope, and prints them', () => {
    const headers = [
      { key: 'a', value: Buffer.from('1') },
      { key: 'n', value: null },
      { key: 'a', value: Buffer.from('3') },
      { key: 'e', value: Buffer.alloc(0) },
    ];
    const envelope = buildFailureEnvelope(rawRecord(null, { key: null, headers }), failure, { functionArn: 'arn', source });
    const entry = parseFailureMessage(
      asMessage({ topic: 'shop-failures', key: null, value: JSON.stringify(envelope), headers: {} }, 0, 7),
      pipeline,
    );

    expect(entry.headers).toEqual(headers);
    expect(entryJson(entry).headers).toEqual([
      { key: 'a', value: '1' },
      { key: 'n', value: null },
      { key: 'a', value: '3' },
      { key: 'e', value: '' },
    ]);
    expect(formatEntryDetail(entry, 'shop-failures')).toMatch(/ {2}n: \(null\)\n {2}a: 3\n {2}e: \n/);
  });

  it('keeps an envelope written without its payload, with nothing to replay', () => {
    const envelope = buildFailureEnvelope(rawRecord('x'), failure, { functionArn: 'arn', source });
    const { payload: _payload, ...withoutPayload } = envelope;
    const entry = parseFailureMessage(
      asMessage({ topic: 'shop-failures', key: 'u-7', value: JSON.stringify(withoutPayload), headers: {} }, 0, 6),
      pipeline,
    );
    expect(entry).toMatchObject({ reason: 'RetriesExhausted', detail: '11 invocations, Unhandled, no payload', value: null });
    expect(entry.key?.toString()).toBe('u-7');
    expect(entry.source).toBeUndefined();
  });

  it('reports a message that is not an envelope as unreadable instead of failing', () => {
    const entry = parseFailureMessage(asMessage({ topic: 'shop-failures', key: null, value: '{"hello":1}', headers: {} }, 0, 7), pipeline);
    expect(entry.reason).toBe(UNREADABLE_ENVELOPE);
  });
});
