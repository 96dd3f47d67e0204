/**
 * The archive's files on disk (DuckDB, no network): the layout and round trip of a record, files
 * renamed into place (an interrupted write stays invisible and is cleared), bad files skipped with
 * an error naming them, a folder of another format version refused, replay of an empty range.
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INCOMING_DIR, MANIFEST_FILE, partitionDir } from '../../local/archive/archive-layout.js';
import { ArchiveReader } from '../../local/archive/archive-reader.js';
import { ReplayHeader, replayArchive } from '../../local/archive/archive-replay.js';
import { type ArchiveInputRecord, toArchiveRow } from '../../local/archive/archive-row.js';
import { localArchiveTables } from '../../local/archive/archive-tables.js';
import { ArchiveVersionError } from '../../local/archive/errors.js';
import { ParquetFileWriter } from '../../local/archive/parquet-file-writer.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { waitFor } from '../helpers/wait-for.js';

const HOUR = Date.parse('2026-11-02T14:00:00.000Z');
const ALL = { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY };

function enrichedRecord(i: number, offset = i, at = HOUR + i * 1000): ArchiveInputRecord {
  const event = {
    eventId: `e-${i}`,
    type: 'purchase',
    schemaVersion: 1,
    source: 'web',
    occurredAt: new Date(at).toISOString(),
    receivedAt: new Date(at + 50).toISOString(),
    userId: `u-${i % 3}`,
    sessionId: `s-${i % 5}`,
    sku: 'SKU-1',
    orderId: `o-${i}`,
    quantity: 2,
    price: 10,
    currency: 'USD',
    enrichment: {
      productName: 'Mug',
      category: 'home',
      valueUsd: 20,
      revenueUsd: 20.12345,
      country: 'FR',
      deviceClass: 'desktop',
      browser: null,
      os: null,
      isBot: false,
    },
  };
  return {
    partition: i % 2,
    offset: String(offset),
    timestamp: at + 100,
    key: Buffer.from(`u-${i % 3}`),
    value: Buffer.from(JSON.stringify(event)),
    headers: [
      { key: 'traceparent', value: Buffer.from([0, 1, 2, 255]) },
      { key: 'traceparent', value: Buffer.from('second') },
    ],
  };
}

function recordingPublisher(): RecordPublisher & { sent: OutputRecord[] } {
  const sent: OutputRecord[] = [];
  return {
    sent,
    async publish(records) {
      sent.push(...records);
    },
    async close() {},
  };
}

describe('archive files', () => {
  let dir: string;
  let writer: ParquetFileWriter;
  let reader: ArchiveReader | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-archive-unit-'));
    writer = await ParquetFileWriter.open(dir);
  });
  afterEach(() => {
    writer.close();
    reader?.close();
    reader = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('files records by event hour under Hive-style folders, with a Firehose-style name, and reads them back', async () => {
    const rows = [0, 1, 3599, 3600].map((s) => toArchiveRow('enriched', 'shop-enriched', enrichedRecord(s, s, HOUR + s * 1000)));
    const written = await writer.write('enriched', 'shop-archive-enriched', rows, Date.parse('2026-11-02T15:10:05Z'));

    expect(written.map((w) => [w.partition, w.rows])).toEqual([
      [{ date: '2026-11-02', hour: '14' }, 3],
      [{ date: '2026-11-02', hour: '15' }, 1],
    ]);
    expect(
      written[0]?.path.startsWith(
        join(dir, 'enriched', 'event_date=2026-11-02', 'event_hour=14', 'shop-archive-enriched-1-2026-11-02-15-10-05-'),
      ),
    ).toBe(true);
    reader = await ArchiveReader.open(dir);
    const tables = await localArchiveTables(reader).open({ from: new Date(HOUR), to: new Date(HOUR + 2 * 3_600_000), allBefore: false });
    const [row] = await tables.db.query<Record<string, unknown>>(
      `SELECT count(*) AS n, sum(revenue_usd)::float8 AS revenue, min(event_time)::VARCHAR AS first FROM events`,
    );
    await tables.close();
    // 20.12345 rounds half away from zero to 20.1235, as the store's numeric(20,4) does.
    expect(row).toEqual({ n: 4, revenue: 80.494, first: '2026-11-02 14:00:00+00' });
  });

  it('keeps key, value and repeated binary headers byte for byte for replay, adding the replay headers', async () => {
    const input = enrichedRecord(1);
    await writer.write('raw', 'shop-archive-raw', [toArchiveRow('raw', 'shop-raw', input)]);
    reader = await ArchiveReader.open(dir);
    const publisher = recordingPublisher();
    const result = await replayArchive({
      reader,
      publisher,
      topic: 'shop-raw',
      from: new Date(HOUR),
      to: new Date(HOUR + 3_600_000),
      now: new Date('2026-12-01T00:00:00Z'),
    });

    expect(result.sent).toBe(1);
    const [sent] = publisher.sent;
    expect(sent?.key).toEqual(input.key);
    expect(sent?.value).toEqual(input.value);
    expect(sent?.headers).toEqual({
      traceparent: [Buffer.from([0, 1, 2, 255]), Buffer.from('second')],
      [ReplayHeader.time]: '2026-12-01T00:00:00.000Z',
      [ReplayHeader.source]: 'shop-raw/1/1',
    });
  });

  it('replays each original record once, even when archived twice, and never a record that was itself a replay', async () => {
    const original = toArchiveRow('raw', 'shop-raw', enrichedRecord(2));
    const replayed = toArchiveRow('raw', 'shop-raw', {
      ...enrichedRecord(2, 900),
      headers: [{ key: ReplayHeader.time, value: Buffer.from('x') }],
    });
    await writer.write('raw', 'shop-archive-raw', [original]);
    await writer.write('raw', 'shop-archive-raw', [original, replayed]);
    reader = await ArchiveReader.open(dir);
    const result = await replayArchive({ reader, topic: 'shop-raw', from: new Date(HOUR), to: new Date(HOUR + 3_600_000) });

    expect(result.records).toBe(1);
    expect(result.sent).toBe(0);
  });

  it('replays nothing from a range with nothing in it, and says so in its counts', async () => {
    await writer.write('raw', 'shop-archive-raw', [toArchiveRow('raw', 'shop-raw', enrichedRecord(1))]);
    reader = await ArchiveReader.open(dir);
    let opened = false;
    const result = await replayArchive({
      reader,
      topic: 'shop-raw',
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2026-10-02T00:00:00Z'),
      publisher: () => {
        opened = true;
        return recordingPublisher();
      },
    });

    expect(result).toMatchObject({ records: 0, sent: 0, files: 0, firstEventTime: null });
    expect(opened).toBe(false);
  });

  it('skips a truncated file and a file that is not Parquet, naming each, and answers from the rest', async () => {
    const [good] = await writer.write('enriched', 's', [toArchiveRow('enriched', 't', enrichedRecord(1))]);
    const [cut] = await writer.write('enriched', 's', [toArchiveRow('enriched', 't', enrichedRecord(2))]);
    truncateSync(cut?.path as string, 100);
    const junk = join(partitionDir(dir, 'enriched', { date: '2026-11-02', hour: '14' }), 'junk.parquet');
    writeFileSync(junk, 'not parquet at all');
    reader = await ArchiveReader.open(dir);
    const set = await reader.files('enriched', ALL);

    expect(set.files).toEqual([good?.path]);
    expect(set.skipped.map((s) => s.file).sort()).toEqual([cut?.path, junk].sort());
    expect(set.skipped[0]?.message).toMatch(/^archive file .+ skipped: not a readable Parquet file/);
    const tables = await localArchiveTables(reader).open({ from: new Date(HOUR), to: new Date(HOUR + 3_600_000), allBefore: false });
    const [row] = await tables.db.query<{ n: number }>('SELECT count(*) AS n FROM events');
    await tables.close();
    expect(row?.n).toBe(1);
    expect(tables.notes).toHaveLength(2);
  });

  it('skips a file whose footer reads but whose data is damaged, found when the query fails', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => toArchiveRow('enriched', 't', enrichedRecord(i, i, HOUR + i)));
    const [damaged] = await writer.write('enriched', 's', rows);
    const [good] = await writer.write('enriched', 's', [toArchiveRow('enriched', 't', enrichedRecord(5000, 5000, HOUR + 10))]);
    const bytes = readFileSync(damaged?.path as string);
    // Overwrite the middle of the column data, leaving the footer (schema, row groups) intact.
    bytes.fill(0x55, 200, Math.floor(bytes.length / 2));
    writeFileSync(damaged?.path as string, bytes);
    reader = await ArchiveReader.open(dir);
    const tables = await localArchiveTables(reader).open({ from: new Date(HOUR), to: new Date(HOUR + 3_600_000), allBefore: false });
    const [row] = await tables.db.query<{ n: number }>('SELECT count(*) AS n, sum(revenue_usd) AS r FROM events');
    await tables.close();

    expect(row?.n).toBe(1);
    expect(tables.notes).toEqual([expect.stringContaining(`archive file ${damaged?.path} skipped: cannot be read`)]);
    expect(good).toBeDefined();
  });

  it('refuses a folder written by another format version, or holding data without a manifest', async () => {
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ format: 'tributary-archive', version: 2 }));
    await expect(ArchiveReader.open(dir)).rejects.toThrow(ArchiveVersionError);
    await expect(ArchiveReader.open(dir)).rejects.toThrow(
      /written as tributary-archive version 2; this version of Tributary reads and writes tributary-archive version 1/,
    );
    await expect(ParquetFileWriter.open(dir)).rejects.toThrow(ArchiveVersionError);

    const other = mkdtempSync(join(tmpdir(), 'tributary-archive-other-'));
    mkdirSync(join(other, 'raw'));
    await expect(ArchiveReader.open(other)).rejects.toThrow(/holds raw but no archive.json/);
    rmSync(other, { recursive: true, force: true });
  });

  it('leaves an interrupted write invisible (only in .incoming) and clears it at the next open', async () => {
    await writer.write('enriched', 's', [toArchiveRow('enriched', 't', enrichedRecord(1))]);
    // What a process killed during COPY leaves: a partial file in .incoming, never in a partition folder.
    const orphan = join(dir, INCOMING_DIR, 'killed.parquet');
    appendFileSync(orphan, 'PAR1 half a file');
    reader = await ArchiveReader.open(dir);
    expect((await reader.files('enriched', ALL)).skipped).toEqual([]);
    reader.close();

    const again = await ParquetFileWriter.open(dir);
    again.close();
    reader = await ArchiveReader.open(dir);
    expect(() => readFileSync(orphan)).toThrow(/ENOENT/);
    expect((await reader.files('enriched', ALL)).files).toHaveLength(1);
  });

  it('shows no half file when the writing process is killed (SIGKILL) in the middle of a write', async () => {
    writer.close();
    // A child writing big flushes without end; killed once a write is under way in .incoming.
    const script = [
      "import { ParquetFileWriter } from './local/archive/parquet-file-writer.ts';",
      "import { toArchiveRow } from './local/archive/archive-row.ts';",
      `const writer = await ParquetFileWriter.open(${JSON.stringify(dir)});`,
      'const value = Buffer.from(JSON.stringify({ eventId: "k", type: "page_view", occurredAt: "2026-11-02T14:00:00Z", pad: "x".repeat(300) }));',
      'const rows = Array.from({ length: 100000 }, (_, i) => toArchiveRow("raw", "t", { partition: 0, offset: String(i), timestamp: 0, key: null, value, headers: [] }));',
      'for (;;) await writer.write("raw", "s", rows);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      stdio: 'ignore',
    });
    const incoming = join(dir, INCOMING_DIR);
    try {
      await waitFor('a write under way', () => existsSync(incoming) && readdirSync(incoming).length > 0, 60_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      child.kill('SIGKILL');
    }

    reader = await ArchiveReader.open(dir);
    const set = await reader.files('raw', ALL);
    // Every file in a partition folder is whole: it reads to the end; the partial one stayed in .incoming.
    expect(set.skipped).toEqual([]);
    for (const file of set.files) expect(await reader.scanWhole(file)).toBeNull();
    expect(readdirSync(incoming).length).toBeGreaterThan(0);
    writer = await ParquetFileWriter.open(dir);
    expect(readdirSync(incoming)).toEqual([]);
  }, 120_000);
});
