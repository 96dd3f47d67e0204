/**
 * What a replay sends: one copy per record, nothing already stored, nothing without a value,
 * nothing replayed before or unchanged unless asked again.
 */
import { describe, expect, it } from 'vitest';
import type { DlqEntry } from '../../local/dlq/dlq-entry.js';
import { failsIngestAgain } from '../../local/dlq/dlq-replay.js';
import { planReplay, REPLAY_OF_HEADER, replayIdentity, replayRecord } from '../../local/dlq/replay-selection.js';

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
  it('skips a record replayed before: its copy back in the topic names it, even when only the original is selected', () => {
    const original = entry(0, { eventId: 'a' });
    const replayed = replayRecord(original, 'shop-raw');
    const backAgain = entry(7, {
      eventId: 'a',
      headers: Object.entries(replayed.headers).map(([key, value]) => ({ key, value: value as Buffer })),
    });
    const plan = planReplay([original], new Set(), { everything: [original, entry(1, { eventId: 'b' }), backAgain] });
    expect(plan.send).toEqual([]);
    expect(offsets(plan.alreadyReplayed)).toEqual([0]);
    expect(offsets(planReplay([original], new Set(), { everything: [original, backAgain], again: true }).send)).toEqual([0]);
  });

  it('holds back records whose cause is unchanged unless asked again', () => {
    const notJson = entry(0, { stage: 'ingest', reason: 'NOT_JSON', value: Buffer.from('{nope') });
    const fixed = entry(1, { stage: 'ingest', reason: 'NOT_JSON', value: Buffer.from('{"eventId":"x"}') });
    expect(failsIngestAgain(notJson)).toBe(true);
    expect(failsIngestAgain(fixed)).toBe(false);
    const plan = planReplay([notJson, fixed], new Set(), { stillFails: failsIngestAgain });
    expect(offsets(plan.unchanged)).toEqual([0]);
    expect(offsets(plan.send)).toEqual([1]);
    expect(offsets(planReplay([notJson, fixed], new Set(), { stillFails: failsIngestAgain, again: true }).send)).toEqual([0, 1]);
  });

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
      [REPLAY_OF_HEADER]: replayIdentity(entry(0)),
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
    expect(record.headers).toMatchObject({ n: [null, Buffer.alloc(0)], a: Buffer.from('1') });
    expect(Object.keys(record.headers ?? {}).sort()).toEqual(['a', 'n', REPLAY_OF_HEADER]);
  });

  it('sends a keyless record without a key', () => {
    expect(replayRecord(entry(0, { key: null }), 'shop-raw').key).toBeNull();
  });
});
