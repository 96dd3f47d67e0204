import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import {
  decodeHeaders,
  decodeMskEvent,
  encodedRecordSize,
  encodeHeaderValue,
  encodeMskEvent,
  encodeRecord,
  MskEventFormatError,
} from '../../src/kafka/msk-event-codec.js';
import { loadEvent } from '../helpers/fixtures.js';

describe('decodeMskEvent', () => {
  it('decodes the AWS sample: base64 key and value, headers, a keyless record, two partitions', () => {
    const records = decodeMskEvent(loadEvent('ingest/aws-sample.json'));

    expect(records).toHaveLength(2);
    const [first, second] = records as [KafkaRecord, KafkaRecord];
    expect(first).toMatchObject({ topic: 'mytopic', partition: 0, offset: 15, timestamp: 1545084650987, timestampType: 'CREATE_TIME' });
    expect(first.value?.toString()).toBe('Hello, this is a test.');
    expect(first.key).toEqual(Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64'));
    expect(first.headers).toEqual([{ key: 'headerKey', value: Buffer.from('headerValue') }]);
    expect(second).toMatchObject({ partition: 1, offset: 7, key: null, headers: [] });
    expect(second.value?.toString()).toBe('Hello');
  });

  it('reads header bytes sent signed (Java) and unsigned alike', () => {
    const signed = decodeHeaders([{ origin: [99, 97, 102, -61, -87] }]);
    const unsigned = decodeHeaders([{ origin: [99, 97, 102, 195, 169] }]);

    expect(signed[0]?.value?.toString('utf8')).toBe('café');
    expect(unsigned).toEqual(signed);
  });

  it('treats a null and an absent value both as a tombstone', () => {
    const event = loadEvent('ingest/aws-sample.json');
    const partition = event.records['mytopic-1'];
    if (!partition?.[0]) throw new Error('fixture changed');
    partition[0].value = null;
    partition.push({ ...partition[0], offset: 8 });
    delete partition[1]?.value;

    const records = decodeMskEvent(event);

    expect(records.slice(1).map((r) => r.value)).toEqual([null, null]);
  });

  it('reads a null header value as null, distinct from an empty one, and keeps repeated keys in order', () => {
    const headers = decodeHeaders([{ a: [49] }, { b: null }, { a: [51] }, { e: [] }]);

    expect(headers).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: null },
      { key: 'a', value: Buffer.from('3') },
      { key: 'e', value: Buffer.alloc(0) },
    ]);
  });

  it('rejects header values that are not bytes, and events without records', () => {
    expect(() => decodeHeaders([{ h: 'x' as never }])).toThrow(/not an array of bytes or null/);
    expect(() => decodeHeaders([{ h: [300] }])).toThrow(MskEventFormatError);
    expect(() => decodeHeaders([{ h: [1.5] }])).toThrow(/not a byte/);
    expect(() => decodeMskEvent({} as never)).toThrow(/records/);
  });
});

describe('encodeMskEvent', () => {
  const record = (partition: number, offset: number, key: string | null, value: string | null): KafkaRecord => ({
    topic: 'storefront-raw',
    partition,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    timestampType: 'CREATE_TIME',
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: [{ key: 'origin', value: Buffer.from('ë') }],
  });

  it('groups by topic-partition in order, with the field order of the AWS sample', () => {
    const event = encodeMskEvent([record(1, 5, 'a', 'x'), record(0, 9, 'b', 'y'), record(1, 6, null, 'z')], {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:us-east-1:1:cluster/c/u',
      bootstrapServers: 'b-1:9098',
    });
    const sample = loadEvent('ingest/aws-sample.json');

    expect(Object.keys(event)).toEqual(Object.keys(sample));
    expect(Object.keys(event.records)).toEqual(['storefront-raw-1', 'storefront-raw-0']);
    expect(event.records['storefront-raw-1']?.map((r) => r.offset)).toEqual([5, 6]);
    expect(Object.keys(event.records['storefront-raw-1']?.[0] ?? {})).toEqual(Object.keys(sample.records['mytopic-0']?.[0] ?? {}));
    // Keyless record: no key field at all, as Lambda sends it.
    expect(event.records['storefront-raw-1']?.[1]).not.toHaveProperty('key');
    // ë is C3 AB in UTF-8; Lambda sends Java's signed bytes.
    expect(event.records['storefront-raw-0']?.[0]?.headers).toEqual([{ origin: [-61, -85] }]);
  });

  it('round-trips through decode, tombstones included', () => {
    const records = [record(0, 1, 'k', 'v'), record(0, 2, null, null), record(2, 3, 'k2', '')];
    const event = encodeMskEvent(records, { eventSource: 'SelfManagedKafka', bootstrapServers: 'localhost:9092' });

    expect(event).not.toHaveProperty('eventSourceArn');
    expect(decodeMskEvent(event)).toEqual(records);
  });

  it('writes a null header value as null and an empty one as [], in wire order', () => {
    const nullHeaders: KafkaRecord = {
      ...record(0, 1, 'k', 'v'),
      headers: [
        { key: 'a', value: Buffer.from('1') },
        { key: 'b', value: null },
        { key: 'a', value: Buffer.from('3') },
        { key: 'e', value: Buffer.alloc(0) },
      ],
    };
    const event = encodeMskEvent([nullHeaders], { eventSource: 'aws:kafka', bootstrapServers: 'b-1:9098' });

    expect(event.records['storefront-raw-0']?.[0]?.headers).toEqual([{ a: [49] }, { b: null }, { a: [51] }, { e: [] }]);
    expect(decodeMskEvent(JSON.parse(JSON.stringify(event)))).toEqual([nullHeaders]);
  });

  it('encodes every byte value as a signed byte', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const encoded = encodeHeaderValue(all);

    expect(Math.min(...encoded)).toBe(-128);
    expect(Math.max(...encoded)).toBe(127);
    expect(decodeHeaders([{ all: encoded }])[0]?.value).toEqual(all);
  });
});

describe('encodedRecordSize', () => {
  const stringified = (record: KafkaRecord) => Buffer.byteLength(JSON.stringify(encodeRecord(record)));
  const base: KafkaRecord = {
    topic: 'storefront-raw',
    partition: 3,
    offset: 42,
    timestamp: 1_700_000_000_000,
    timestampType: 'CREATE_TIME',
    key: Buffer.from('k'),
    value: Buffer.from('{"a":1}'),
    headers: [],
  };

  it('equals the bytes of the JSON record: null key and value, empty buffers, every byte in headers, escaped names', () => {
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const cases: KafkaRecord[] = [
      base,
      { ...base, key: null },
      { ...base, value: null },
      { ...base, key: null, value: null },
      { ...base, key: Buffer.alloc(0), value: Buffer.alloc(0) },
      { ...base, key: Buffer.alloc(2), value: Buffer.alloc(4) },
      { ...base, headers: [{ key: 'origin', value: Buffer.from('ë') }] },
      {
        ...base,
        headers: [
          { key: 'all', value: everyByte },
          { key: 'empty', value: Buffer.alloc(0) },
          { key: 'null', value: null },
        ],
      },
      { ...base, headers: [{ key: 'only-null', value: null }] },
      { ...base, headers: [{ key: 'a"\\\n\u0001é😀', value: Buffer.from([0, 127, 128, 255]) }] },
      { ...base, topic: 'tópic"\\', timestampType: 'LOG_APPEND_TIME', partition: 0, offset: 0, timestamp: -1 },
      { ...base, timestamp: Number.NaN },
    ];
    for (const record of cases) expect(encodedRecordSize(record), JSON.stringify(encodeRecord(record))).toBe(stringified(record));
  });

  it('equals the bytes of the JSON record on random records', () => {
    const bytes = fc.uint8Array({ maxLength: 70 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.record({
          topic: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
          partition: fc.nat({ max: 10_000 }),
          offset: fc.maxSafeNat(),
          timestamp: fc.maxSafeNat(),
          timestampType: fc.constantFrom('CREATE_TIME' as const, 'LOG_APPEND_TIME' as const),
          key: fc.option(bytes),
          value: fc.option(bytes),
          headers: fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 10 }), value: fc.option(bytes) }), { maxLength: 4 }),
        }),
        (record) => encodedRecordSize(record) === stringified(record),
      ),
      { numRuns: 500 },
    );
  });
});
