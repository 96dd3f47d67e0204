import { describe, expect, it } from 'vitest';
import { BatchAssembler, emptyEventBytes, payloadBytesOf } from '../../local/esm/batch-assembler.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { type EventSourceInfo, encodeMskEvent } from '../../src/kafka/msk-event-codec.js';

const source: EventSourceInfo = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/abc',
  bootstrapServers: '127.0.0.1:9092,127.0.0.1:9093',
};

function record(partition: number, offset: number, valueBytes = 10, key: string | null = 'k'): KafkaRecord {
  return {
    topic: 'orders',
    partition,
    offset,
    timestamp: 1_700_000_000_000 + offset,
    timestampType: 'CREATE_TIME',
    key: key === null ? null : Buffer.from(key),
    value: Buffer.alloc(valueBytes, 120),
    headers: [{ key: 'trace', value: Buffer.from('ë') }],
  };
}

const jsonBytes = (records: KafkaRecord[]): number => Buffer.byteLength(JSON.stringify(encodeMskEvent(records, source)));

describe('BatchAssembler', () => {
  it('closes at batchSize records', () => {
    const assembler = new BatchAssembler({ batchSize: 3, maxPayloadBytes: 6 * 1024 * 1024, windowMs: 500 }, source);
    expect(assembler.offer(record(0, 0), 1000)).toBe('added');
    expect(assembler.offer(record(1, 0), 1001)).toBe('added');
    expect(assembler.isFull).toBe(false);
    expect(assembler.offer(record(0, 1), 1002)).toBe('added');
    expect(assembler.isFull).toBe(true);
    expect(assembler.offer(record(0, 2), 1003)).toBe('full');

    const batch = assembler.take();
    // Grouped by partition in the order partitions joined, offsets in order within each.
    expect(batch.records.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@0', '0@1', '1@0']);
    expect(batch.partitions).toEqual(['orders-0', 'orders-1']);
    expect(assembler.isEmpty).toBe(true);
    expect(assembler.offer(record(0, 2), 1004)).toBe('added');
  });

  it('runs the window from the earliest arrival in the batch and resets it on take', () => {
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: 6 * 1024 * 1024, windowMs: 250 }, source);
    expect(assembler.deadline).toBeUndefined();
    assembler.offer(record(0, 0), 10_000);
    assembler.offer(record(0, 1), 10_200); // later records do not extend the window
    expect(assembler.deadline).toBe(10_250);
    assembler.take();
    expect(assembler.deadline).toBeUndefined();
    assembler.offer(record(0, 2), 20_000);
    expect(assembler.deadline).toBe(20_250);
    // A record that was fetched earlier (its partition had a batch in flight) moves the end earlier.
    assembler.offer(record(1, 0), 19_900);
    expect(assembler.deadline).toBe(20_150);
  });

  it('counts the payload exactly as JSON.stringify of the event', () => {
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: 6 * 1024 * 1024, windowMs: 0 }, source);
    const records = [record(0, 5), record(2, 9, 33, null), record(0, 6, 1), record(1, 1, 0)];
    expect(assembler.payloadBytes).toBe(emptyEventBytes(source));
    for (const r of records) assembler.offer(r, 0);
    const batch = assembler.take();
    expect(batch.payloadBytes).toBe(jsonBytes(batch.records));
    expect(payloadBytesOf(batch.records, source)).toBe(batch.payloadBytes);
  });

  it('drops a partition from the open batch, counting the rest exactly', () => {
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: 6 * 1024 * 1024, windowMs: 0 }, source);
    for (const r of [record(0, 5), record(1, 1, 40), record(0, 6), record(2, 3, 7)]) assembler.offer(r, 0);
    assembler.drop('orders-0');
    expect(assembler.has('orders-0')).toBe(false);
    expect(assembler.recordCount).toBe(2);
    const rest = [record(1, 1, 40), record(2, 3, 7)];
    expect(assembler.payloadBytes).toBe(jsonBytes(rest));
    assembler.drop('orders-1');
    assembler.drop('orders-2');
    expect(assembler.isEmpty).toBe(true);
    expect(assembler.payloadBytes).toBe(emptyEventBytes(source));
    expect(assembler.deadline).toBeUndefined();
  });

  it('splits before the record that would push the payload past the limit (6 MB)', () => {
    const max = 6 * 1024 * 1024;
    const assembler = new BatchAssembler({ batchSize: 10_000, maxPayloadBytes: max, windowMs: 500 }, source);
    const big = 1024 * 1024; // 1 MiB of value, ~1.33 MiB of base64
    let offset = 0;
    while (assembler.offer(record(offset % 2, offset, big), 0) === 'added') offset++;
    expect(offset).toBe(4);
    const first = assembler.take();
    expect(first.payloadBytes).toBeLessThanOrEqual(max);
    expect(first.payloadBytes).toBe(jsonBytes(first.records));
    // The record that did not fit opens the next batch.
    expect(assembler.offer(record(offset % 2, offset, big), 0)).toBe('added');
    expect(jsonBytes([...first.records, record(offset % 2, offset, big)])).toBeGreaterThan(max);
  });

  it('fills a batch to exactly the limit', () => {
    const max = jsonBytes([record(0, 0, 100), record(0, 1, 100)]);
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: max, windowMs: 0 }, source);
    expect(assembler.offer(record(0, 0, 100), 0)).toBe('added');
    expect(assembler.offer(record(0, 1, 100), 0)).toBe('added');
    expect(assembler.payloadBytes).toBe(max);
    expect(assembler.offer(record(0, 2, 0), 0)).toBe('full');
  });

  it('reports a record that cannot fit even alone as oversize, whatever the batch holds', () => {
    const max = 4096;
    const assembler = new BatchAssembler({ batchSize: 100, maxPayloadBytes: max, windowMs: 0 }, source);
    expect(assembler.offer(record(0, 0, 5000), 0)).toBe('oversize');
    expect(assembler.isEmpty).toBe(true);
    expect(assembler.offer(record(0, 1, 100), 0)).toBe('added');
    expect(assembler.offer(record(1, 0, 5000), 0)).toBe('oversize');
    expect(assembler.recordCount).toBe(1);
    // Just under the limit alone is fine.
    const fits = max - jsonBytes([record(0, 0, 0)]);
    const alone = new BatchAssembler({ batchSize: 100, maxPayloadBytes: max, windowMs: 0 }, source);
    let valueBytes = Math.floor((fits * 3) / 4);
    while (jsonBytes([record(0, 0, valueBytes)]) > max) valueBytes--;
    expect(alone.offer(record(0, 0, valueBytes), 0)).toBe('added');
    const fresh = new BatchAssembler({ batchSize: 100, maxPayloadBytes: max, windowMs: 0 }, source);
    expect(fresh.offer(record(0, 0, valueBytes + 1), 0)).toBe('oversize');
  });
});
