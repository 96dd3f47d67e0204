import { describe, expect, it } from 'vitest';
import { interpretBatchResponse } from '../../local/event-source-mapping/batch-response.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';

function record(topic: string, partition: number, offset: number): KafkaRecord {
  return { topic, partition, offset, timestamp: 0, timestampType: 'CREATE_TIME', key: null, value: null, headers: [] };
}

// Two partitions of "mytopic", offsets 100..103 and 7..8.
const batch = [
  record('mytopic', 0, 100),
  record('mytopic', 0, 101),
  record('mytopic', 0, 102),
  record('mytopic', 0, 103),
  record('mytopic', 1, 7),
  record('mytopic', 1, 8),
];
const failure = (partition: string, offset: unknown) => ({ itemIdentifier: { partition, offset } });

describe('interpretBatchResponse', () => {
  it('treats empty and null responses as success', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(interpretBatchResponse(response, batch, true)).toEqual({ kind: 'success' });
    }
  });

  it('restarts each failed partition at its lowest failed offset', () => {
    const outcome = interpretBatchResponse(
      { batchItemFailures: [failure('mytopic-0', 103), failure('mytopic-0', 101), failure('mytopic-1', 8)] },
      batch,
      true,
    );
    expect(outcome.kind).toBe('partial');
    if (outcome.kind !== 'partial') return;
    expect([...outcome.restartOffsets]).toEqual([
      ['mytopic-0', 101],
      ['mytopic-1', 8],
    ]);
    // The named records, in batch order, each once.
    expect(outcome.failed.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@101', '0@103', '1@8']);
  });

  it('accepts offsets given as numeric strings', () => {
    const outcome = interpretBatchResponse({ batchItemFailures: [failure('mytopic-1', '7')] }, batch, true);
    expect(outcome.kind === 'partial' && [...outcome.restartOffsets]).toEqual([['mytopic-1', 7]]);
  });

  it('fails the whole batch when an identifier is not in the batch', () => {
    for (const item of [failure('mytopic-0', 99), failure('mytopic-2', 100), failure('othertopic-0', 100)]) {
      const outcome = interpretBatchResponse({ batchItemFailures: [failure('mytopic-0', 101), item] }, batch, true);
      expect(outcome.kind).toBe('failed');
      expect(outcome.kind === 'failed' && outcome.reason).toMatch(/is not in the batch/);
    }
  });

  it('fails the whole batch on malformed responses', () => {
    const malformed: unknown[] = [
      'ok',
      42,
      [],
      { batchItemFailures: 'mytopic-0' },
      { batchItemFailures: [{}] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [failure('', 100)] },
      { batchItemFailures: [failure('mytopic-0', -1)] },
      { batchItemFailures: [failure('mytopic-0', 100.5)] },
      { batchItemFailures: [{ itemIdentifier: { partitionId: 'mytopic-0', offset: 100 } }] },
    ];
    for (const response of malformed) expect(interpretBatchResponse(response, batch, true).kind).toBe('failed');
  });

  it('ignores the response when ReportBatchItemFailures is off', () => {
    const response = { batchItemFailures: [failure('mytopic-0', 100)] };
    expect(interpretBatchResponse(response, batch, false)).toEqual({ kind: 'success' });
    expect(interpretBatchResponse('garbage', batch, false)).toEqual({ kind: 'success' });
  });
});
