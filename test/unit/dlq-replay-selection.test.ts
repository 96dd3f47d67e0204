/** What a replay sends: one copy per record, nothing already stored, nothing without a value. */
import { describe, expect, it } from 'vitest';
import type { DlqEntry } from '../../local/dlq/dlq-entry.js';
import { planReplay, replayIdentity, replayRecord } from '../../local/dlq/replay-selection.js';

function entry(offset: number, fields: Partial<DlqEntry> = {}): DlqEntry {
  return {
    from: 'dlq',
    partition: 0,
    offset,
    time: 0,
    reason: 'UNKNOWN_PRODUCT',
    stage: 'enrich',
    key: Buffer.from('u-1'),
    value: Buffer.from(`{"n":${offset}}`),
    headers: [],
    ...fields,
  };
}

const offsets = (entries: readonly DlqEntry[]) => entries.map((e) => e.offset);

describe('planReplay', () => {
  it('skips records whose event is already stored', () => {
    const plan = planReplay([entry(0, { eventId: 'a' }), entry(1, { eventId: 'b' }), entry(2)], new Set(['a']));
    expect(offsets(plan.send)).toEqual([1, 2]);
    expect(offsets(plan.alreadyStored)).toEqual([0]);
  });

  it('sends one of several copies of a record: same event id, or same source position without one', () => {
    const source = { topic: 'shop-raw', partition: 1, offset: 9 };
    const plan = planReplay(
      [
        entry(0, { eventId: 'a' }),
        entry(1, { eventId: 'a' }),
        entry(2, { source }),
        entry(3, { source }),
        entry(4, { source: { ...source, offset: 10 } }),
      ],
      new Set(),
    );
    expect(offsets(plan.send)).toEqual([0, 2, 4]);
    expect(offsets(plan.copies)).toEqual([1, 3]);
  });

  it('keeps records without a value out of the replay', () => {
    const plan = planReplay([entry(0, { value: null }), entry(1)], new Set());
    expect(offsets(plan.noValue)).toEqual([0]);
    expect(offsets(plan.send)).toEqual([1]);
  });

  it('accounts for every selected record exactly once', () => {
    const selected = [
      entry(0, { eventId: 'a' }),
      entry(1, { eventId: 'a' }),
      entry(2, { eventId: 's' }),
      entry(3, { value: null }),
      entry(4),
    ];
    const plan = planReplay(selected, new Set(['s']));
    expect(plan.send.length + plan.alreadyStored.length + plan.copies.length + plan.noValue.length).toBe(selected.length);
  });
});

describe('replayIdentity', () => {
  it('prefers the event id, then the source position, then the position in the DLQ', () => {
    expect(replayIdentity(entry(5, { eventId: 'e', source: { topic: 't', partition: 0, offset: 1 } }))).toBe('event:e');
    expect(replayIdentity(entry(5, { source: { topic: 't', partition: 0, offset: 1 } }))).toBe('source:t/0/1');
    expect(replayIdentity(entry(5))).toBe('dlq:0/5');
  });
});

describe('replayRecord', () => {
  it('sends the original key, value and headers (repeated ones kept) to the raw topic', () => {
    const record = replayRecord(
      entry(0, {
        headers: [
          { key: 'a', value: Buffer.from('1') },
          { key: 'a', value: Buffer.from('2') },
          { key: 'b', value: Buffer.from('3') },
        ],
      }),
      'shop-raw',
    );
    expect(record.topic).toBe('shop-raw');
    expect(record.key).toEqual(Buffer.from('u-1'));
    expect(record.value?.toString()).toBe('{"n":0}');
    expect(Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]))).toEqual({
      a: ['1', '2'],
      b: '3',
    });
  });

  it('keeps null header values (the publisher writes them empty)', () => {
    const record = replayRecord(
      entry(0, {
        headers: [
          { key: 'n', value: null },
          { key: 'a', value: Buffer.from('1') },
          { key: 'n', value: Buffer.alloc(0) },
        ],
      }),
      'shop-raw',
    );
    expect(record.headers).toEqual({ n: [null, Buffer.alloc(0)], a: Buffer.from('1') });
  });

  it('sends a keyless record without a key', () => {
    expect(replayRecord(entry(0, { key: null }), 'shop-raw').key).toBeNull();
  });
});
