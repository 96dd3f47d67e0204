/** The twin's Firehose emulation: buffering hints (size, interval), retry after a failed write, Firehose's limits; CLI range times. */
import { describe, expect, it } from 'vitest';
import type { ArchiveRow } from '../../local/archive/archive-row.js';
import { toArchiveRow } from '../../local/archive/archive-row.js';
import { DeliveryStream } from '../../local/archive/delivery-stream.js';
import type { WrittenFile } from '../../local/archive/parquet-file-writer.js';
import { parseRangeTime } from '../../local/commands/time-range-options.js';
import { checkBufferingHints, defineArchive } from '../../src/pipeline/archive-definition.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { waitFor } from '../helpers/wait-for.js';

const archive = defineArchive(definePipeline({ name: 'shop' }));
const stream = archive.streams.find((s) => s.role === 'raw');

function row(offset: number, bytes: number): ArchiveRow {
  return toArchiveRow('raw', 'shop-raw', {
    partition: 0,
    offset: String(offset),
    timestamp: 0,
    key: null,
    value: Buffer.alloc(bytes, 0x61),
    headers: [],
  });
}

function fakeWriter(failures = 0) {
  const writes: number[][] = [];
  let toFail = failures;
  return {
    writes,
    async write(_role: string, _name: string, rows: readonly ArchiveRow[]): Promise<WrittenFile[]> {
      if (toFail-- > 0) throw new Error('disk full');
      writes.push(rows.map((r) => Number(r.offset)));
      return [];
    },
  };
}

describe('delivery stream buffering hints', () => {
  it('writes when the buffer reaches the size hint, and not before', async () => {
    const writer = fakeWriter();
    const flushed: number[][] = [];
    const s = new DeliveryStream({
      definition: stream as NonNullable<typeof stream>,
      writer,
      sizeBytes: 1000,
      intervalMs: 60_000,
      onFlushed: async (_f, rows) => void flushed.push(rows.map((r) => Number(r.offset))),
      onError: () => {},
    });
    await s.add([row(0, 400), row(1, 400)]);
    expect(writer.writes).toEqual([]);
    await s.add([row(2, 400)]);
    expect(writer.writes).toEqual([[0, 1, 2]]);
    expect(flushed).toEqual([[0, 1, 2]]);
    expect(s.stats()).toMatchObject({ buffered: 0, recordsWritten: 3 });
    s.close();
  });

  it('writes when the oldest buffered record has waited the interval hint', async () => {
    const writer = fakeWriter();
    const s = new DeliveryStream({
      definition: stream as NonNullable<typeof stream>,
      writer,
      sizeBytes: 1_000_000,
      intervalMs: 50,
      onFlushed: async () => {},
      onError: () => {},
    });
    const started = Date.now();
    await s.add([row(0, 10)]);
    await waitFor('the interval flush', () => writer.writes.length === 1, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(writer.writes).toEqual([[0]]);
    s.close();
  });

  it('keeps the records of a failed write, in order, and writes them with the next flush', async () => {
    const writer = fakeWriter(1);
    const errors: unknown[] = [];
    const s = new DeliveryStream({
      definition: stream as NonNullable<typeof stream>,
      writer,
      sizeBytes: 100,
      intervalMs: 60_000,
      onFlushed: async () => {},
      onError: (e) => errors.push(e),
    });
    await expect(s.add([row(0, 100)])).rejects.toThrow('disk full');
    await s.add([row(1, 100)]);
    expect(writer.writes).toEqual([[0, 1]]);
    s.close();
  });
});

describe('archive definition', () => {
  it('archives raw and enriched with Firehose defaults valid for Parquet conversion', () => {
    expect(archive.streams.map((s) => [s.topic, s.streamName])).toEqual([
      ['shop-raw', 'shop-archive-raw'],
      ['shop-enriched', 'shop-archive-enriched'],
    ]);
    expect(() => checkBufferingHints({ sizeMb: 32, intervalSeconds: 60 }, true)).toThrow(
      /from 64 to 128 \(Parquet conversion needs at least 64\), got 32/,
    );
    expect(() => checkBufferingHints({ sizeMb: 32, intervalSeconds: 60 }, false)).not.toThrow();
    expect(() => checkBufferingHints({ sizeMb: 64, intervalSeconds: 901 }, true)).toThrow(/from 0 to 900, got 901/);
  });
});

describe('--from / --to', () => {
  it('reads a date as the start of the day for --from and the end of the day for --to', () => {
    expect(parseRangeTime('--from', '2026-11-01').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseRangeTime('--to', '2026-11-30').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseRangeTime('--to', '2026-11-30T12:00:00+01:00').toISOString()).toBe('2026-11-30T11:00:00.000Z');
  });

  it('refuses a time without a zone or a date that does not exist, naming the flag', () => {
    expect(() => parseRangeTime('--from', '2026-11-01T10:00')).toThrow(
      /--from must be a date \(2026-11-01\) or an ISO 8601 time with a zone/,
    );
    expect(() => parseRangeTime('--to', '2026-02-30')).toThrow('--to 2026-02-30 is not a calendar date');
  });
});
