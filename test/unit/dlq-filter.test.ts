/** Choosing DLQ records by reason, stage, time and position; bad flags get one-line errors. */
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../local/cli-error.js';
import type { DlqEntry } from '../../local/dlq/dlq-entry.js';
import { groupEntries, isEmptyFilter, parseDlqFilter, parsePosition, parseSince, selectEntries } from '../../local/dlq/dlq-filter.js';

const NOW = Date.UTC(2026, 0, 10, 12);

function entry(partition: number, offset: number, reason: string, stage: string | undefined, minutesAgo: number): DlqEntry {
  return {
    from: 'dlq',
    partition,
    offset,
    time: NOW - minutesAgo * 60_000,
    reason,
    ...(stage ? { stage } : {}),
    key: null,
    value: Buffer.from('{}'),
    headers: [],
  };
}

const ENTRIES: DlqEntry[] = [
  entry(0, 0, 'NOT_JSON', 'ingest', 120),
  entry(0, 1, 'INVALID_CURRENCY', 'ingest', 30),
  entry(1, 0, 'UNKNOWN_PRODUCT', 'enrich', 20),
  entry(1, 1, 'NOT_JSON', 'ingest', 5),
  entry(2, 1, 'UNKNOWN_PRODUCT', 'enrich', 1),
];

const positions = (entries: DlqEntry[]) => entries.map((e) => `${e.partition}:${e.offset}`);
const select = (raw: Parameters<typeof parseDlqFilter>[0]) => positions(selectEntries(ENTRIES, parseDlqFilter(raw, 'dlq', NOW)));

describe('parseDlqFilter and selectEntries', () => {
  it('selects by reason, case-insensitively, several at once', () => {
    expect(select({ reason: 'not_json' })).toEqual(['0:0', '1:1']);
    expect(select({ reason: 'NOT_JSON, unknown_product' })).toEqual(['0:0', '1:0', '1:1', '2:1']);
  });

  it('selects by stage', () => {
    expect(select({ stage: 'enrich' })).toEqual(['1:0', '2:1']);
  });

  it('selects by time: a duration back from now, or an ISO time', () => {
    expect(select({ since: '25m' })).toEqual(['1:0', '1:1', '2:1']);
    expect(select({ since: new Date(NOW - 10 * 60_000).toISOString() })).toEqual(['1:1', '2:1']);
  });

  it('combines filters with AND', () => {
    expect(select({ reason: 'NOT_JSON', since: '1h' })).toEqual(['1:1']);
    expect(select({ reason: 'NOT_JSON', stage: 'enrich' })).toEqual([]);
  });

  it('selects positions, and a bare offset when it names one record', () => {
    expect(select({ offset: ['0:1', '2:1'] })).toEqual(['0:1', '2:1']);
    expect(select({ offset: ['0:0,1:1'] })).toEqual(['0:0', '1:1']);
    expect(() => select({ offset: ['1'] })).toThrow('offset 1 is in partitions 0, 1, 2; write partition:offset');
    expect(() => select({ offset: ['7:0'] })).toThrow('no record at 7:0');
  });

  it('selects nothing by stage when an entry has no stage', () => {
    expect(positions(selectEntries([entry(0, 0, 'NOT_JSON', undefined, 1)], parseDlqFilter({ stage: 'ingest' }, 'dlq', NOW)))).toEqual([]);
  });

  it('knows an empty filter', () => {
    expect(isEmptyFilter(parseDlqFilter({}, 'dlq', NOW))).toBe(true);
    expect(isEmptyFilter(parseDlqFilter({ offset: [] }, 'dlq', NOW))).toBe(true);
    expect(isEmptyFilter(parseDlqFilter({ stage: 'sink' }, 'dlq', NOW))).toBe(false);
  });

  it('refuses unknown reasons, stages, times and positions with one line naming the flag', () => {
    const cases: [Parameters<typeof parseDlqFilter>[0], string][] = [
      [{ reason: 'BOGUS' }, '--reason "BOGUS" is not a reason in the DLQ'],
      [{ reason: ' , ' }, '--reason is empty'],
      [{ stage: 'query' }, '--stage "query" is not a stage; one of: ingest, enrich, sink'],
      [{ since: 'yesterday' }, '--since must be a duration'],
      [{ since: '2026-01-10T10:00:00' }, '--since must be a duration'],
      [{ offset: ['a:b'] }, '--offset must be partition:offset'],
    ];
    for (const [raw, message] of cases) {
      let thrown: unknown;
      try {
        parseDlqFilter(raw, 'dlq', NOW);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CliUsageError);
      expect((thrown as Error).message).toContain(message);
      expect((thrown as Error).message).not.toContain('\n');
    }
  });

  it('takes failure conditions as reasons for the failure destination, and only there', () => {
    expect(parseDlqFilter({ reason: 'retriesexhausted' }, 'failures', NOW).reasons).toEqual(new Set(['RetriesExhausted']));
    expect(() => parseDlqFilter({ reason: 'NOT_JSON' }, 'failures', NOW)).toThrow('not a reason in the failure destination');
    expect(() => parseDlqFilter({ reason: 'RetriesExhausted' }, 'dlq', NOW)).toThrow('not a reason in the DLQ');
  });
});

describe('parseSince and parsePosition', () => {
  it('reads durations and ISO dates', () => {
    expect(parseSince('90s', NOW)).toBe(NOW - 90_000);
    expect(parseSince('7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseSince('2026-01-09', NOW)).toBe(Date.UTC(2026, 0, 9));
    expect(parseSince('2026-01-09T10:00:00+02:00', NOW)).toBe(Date.UTC(2026, 0, 9, 8));
  });

  it('reads partition:offset and bare offsets', () => {
    expect(parsePosition('2:40')).toEqual({ partition: 2, offset: 40 });
    expect(parsePosition(' 40 ')).toEqual({ offset: 40 });
    expect(() => parsePosition('-1')).toThrow(CliUsageError);
  });
});

describe('groupEntries', () => {
  it('counts by stage and reason, largest first, with the first and last time', () => {
    expect(groupEntries(ENTRIES)).toEqual([
      { stage: 'enrich', reason: 'UNKNOWN_PRODUCT', records: 2, first: NOW - 20 * 60_000, last: NOW - 60_000 },
      { stage: 'ingest', reason: 'NOT_JSON', records: 2, first: NOW - 120 * 60_000, last: NOW - 5 * 60_000 },
      { stage: 'ingest', reason: 'INVALID_CURRENCY', records: 1, first: NOW - 30 * 60_000, last: NOW - 30 * 60_000 },
    ]);
  });
});
