/**
 * Named queries over archive and store, with DuckDB standing in for both (no network): which
 * source answers which window, `sources` naming them, the merge of a spanning window equal to one
 * read, distinct counts refused across the split, queries about the pipeline's work kept to the
 * store; and the CLI's `replay` and `query --from/--to` on bad input.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArchiveReader } from '../../local/archive/archive-reader.js';
import { toArchiveRow } from '../../local/archive/archive-row.js';
import { localArchiveTables } from '../../local/archive/archive-tables.js';
import { ParquetFileWriter } from '../../local/archive/parquet-file-writer.js';
import { runCli } from '../../local/cli.js';
import { QueryParameterError } from '../../src/analytics/errors.js';
import { type HistoricalSources, runHistoricalQuery } from '../../src/analytics/historical-query.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';

const START = Date.parse('2026-11-05T10:00:00.000Z');
const TYPES = ['page_view', 'product_view', 'add_to_cart', 'purchase'];
const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];

function event(i: number) {
  const type = TYPES[i % TYPES.length] as string;
  const at = START + i * 7_000; // 2,000 events over about 3.9 hours
  const withSku = type !== 'page_view';
  return {
    partition: i % 3,
    offset: String(i),
    timestamp: at + 50,
    key: Buffer.from(`u-${i % 40}`),
    value: Buffer.from(
      JSON.stringify({
        eventId: `h-${i}`,
        type,
        occurredAt: new Date(at).toISOString(),
        receivedAt: new Date(at + 20).toISOString(),
        userId: `u-${i % 40}`,
        sessionId: `s-${i % 90}`,
        ...(withSku ? { sku: SKUS[i % SKUS.length], quantity: 1 + (i % 2) } : {}),
        enrichment: {
          productName: withSku ? `Name ${SKUS[i % SKUS.length]}` : null,
          category: withSku ? 'home' : null,
          valueUsd: withSku ? 10 + (i % 7) : null,
          revenueUsd: type === 'purchase' ? 10 + (i % 7) + 0.125 : null,
          country: ['FR', 'DE', 'US'][i % 3],
          deviceClass: 'desktop',
          browser: null,
          os: null,
          isBot: i % 11 === 0,
        },
      }),
    ),
    headers: [],
  };
}

let dir: string;
let reader: ArchiveReader;
let whole: { db: SqlQueryable; close(): Promise<void> };
let sources: HistoricalSources;
const now = new Date(START + 6 * 3_600_000);
const from = new Date(START).toISOString();
const to = new Date(START + 4 * 3_600_000).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-history-'));
  const writer = await ParquetFileWriter.open(dir);
  const rows = Array.from({ length: 2000 }, (_, i) => toArchiveRow('enriched', 'shop-enriched', event(i)));
  await writer.write('enriched', 'shop-archive-enriched', rows);
  // At least once: a tenth of the events archived a second time.
  await writer.write(
    'enriched',
    'shop-archive-enriched',
    rows.filter((_, i) => i % 10 === 0),
  );
  writer.close();
  reader = await ArchiveReader.open(dir);
  // "The store": the same events, read whole; it stands for a store that still holds everything.
  whole = await localArchiveTables(reader).open({ from: new Date(0), to: new Date(START + 24 * 3_600_000), allBefore: true });
  sources = { store: whole.db, archive: localArchiveTables(reader), storeHorizon: new Date(START + 100 * 60_000 + 20_000) };
});

afterAll(async () => {
  await whole?.close();
  reader?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('historical queries', () => {
  it.each([
    ['top', { dimension: 'sku', metric: 'revenue_usd', n: '2' }],
    ['top', { dimension: 'country', metric: 'quantity' }],
    ['timeseries', { metric: 'events', bucket: '30m', split: 'event_type', series: '2' }],
    ['timeseries', { metric: 'active_users', bucket: '1h' }],
    ['funnel', { by: 'user' }],
  ] as const)('%s %j over a spanning window equals one read of the store, naming both sources', async (name, params) => {
    const spanning = await runHistoricalQuery(sources, name, { ...params, from, to }, { now });
    const storeOnly = await runHistoricalQuery({ ...sources, storeHorizon: new Date(0) }, name, { ...params, from, to }, { now });

    expect(spanning.sources.filter((s) => s.startsWith('archive:'))).toHaveLength(1);
    expect(spanning.sources.filter((s) => !s.startsWith('archive:'))).toHaveLength(1);
    expect(storeOnly.sources.some((s) => s.startsWith('archive:'))).toBe(false);
    expect(spanning.columns).toEqual(storeOnly.columns);
    expect(spanning.rows).toEqual(storeOnly.rows);
    expect(spanning.notes).toEqual(storeOnly.notes);
    expect(spanning.rows.some((row) => row.some((cell) => typeof cell === 'number' && cell > 0))).toBe(true);
  });

  it('answers a window wholly before the horizon from the archive alone, with the same answer', async () => {
    const params = { dimension: 'sku', metric: 'events', from, to: new Date(START + 60 * 60_000).toISOString() };
    const archived = await runHistoricalQuery(sources, 'top', params, { now });
    const stored = await runHistoricalQuery({ ...sources, storeHorizon: new Date(0) }, 'top', params, { now });
    expect(archived.sources).toEqual(['archive:product_minute']);
    expect(archived.rows).toEqual(stored.rows);
    expect(archived.rows.map((row) => row[0])).toEqual(expect.arrayContaining(SKUS));
  });

  it('refuses a distinct count over a window spanning the horizon, naming the parameter', async () => {
    const attempt = runHistoricalQuery(sources, 'top', { dimension: 'country', metric: 'active_users', from, to }, { now });
    await expect(attempt).rejects.toThrow(QueryParameterError);
    await expect(attempt).rejects.toThrow(/parameter "metric": active_users counts distinct values, which cannot be added up/);
  });

  it('keeps queries about the pipeline to the store, saying it holds nothing before the horizon', async () => {
    const calls: string[] = [];
    const store: SqlQueryable = {
      async query<Row extends object>(text: string) {
        calls.push(text);
        return [{ batches: 0, records: 0, inserted: 0, duplicates: 0, last: null }] as unknown as Row[];
      },
    };
    const result = await runHistoricalQuery({ ...sources, store }, 'pipeline', { from, to }, { now });
    expect(result.sources).toEqual(['sink_batches']);
    expect(result.notes).toContain(
      `pipeline describes the pipeline's own work and is answered by the store only; it holds nothing before ${sources.storeHorizon.toISOString()}`,
    );
    expect(calls.length).toBeGreaterThan(0);

    // When the archive holds nothing from before the horizon either, nothing was missed: no note.
    const earlyHorizon = { ...sources, store, storeHorizon: new Date(START - 3_600_000) };
    const nothingMissed = await runHistoricalQuery(
      earlyHorizon,
      'pipeline',
      { from: new Date(START - 7_200_000).toISOString(), to },
      { now },
    );
    expect(nothingMissed.notes.filter((note) => note.includes('answered by the store only'))).toEqual([]);
  });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    return { code: await runCli(argv), out: out.join(''), err: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('tributary replay and query --from/--to on bad input', () => {
  it('counts what a dry run would send, and says when a range holds nothing', async () => {
    const rawDir = mkdtempSync(join(tmpdir(), 'tributary-replay-cli-'));
    const writer = await ParquetFileWriter.open(rawDir);
    await writer.write(
      'raw',
      'shop-archive-raw',
      [0, 1, 2, 3].map((i) => toArchiveRow('raw', 'shop-raw', event(i))),
    );
    writer.close();
    const dry = await cli('replay', '--from', '2026-11-05', '--to', '2026-11-05', '--dry-run', '--archive-dir', rawDir);
    expect(dry.code).toBe(0);
    expect(dry.err).toMatch(
      /^would send 4 records \(event times 2026-11-05T10:00:00.000Z to 2026-11-05T10:00:21.000Z; .*\) from 1 files\n$/,
    );

    const empty = await cli('replay', '--from', '2026-10-01', '--to', '2026-10-02', '--dry-run', '--archive-dir', rawDir);
    expect(empty.code).toBe(0);
    expect(empty.err).toContain(
      'nothing to replay: no archived raw records with event times from 2026-10-01T00:00:00.000Z to 2026-10-03T00:00:00.000Z',
    );
    rmSync(rawDir, { recursive: true, force: true });
  });

  it('refuses an archive of another version, an unknown topic, and times without a zone, in one line each', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tributary-replay-other-'));
    writeFileSync(join(other, 'archive.json'), JSON.stringify({ format: 'tributary-archive', version: 9 }));
    mkdirSync(join(other, 'raw'));
    const version = await cli('replay', '--from', '2026-11-01', '--to', '2026-11-02', '--archive-dir', other);
    expect(version).toMatchObject({ code: 2 });
    expect(version.err).toMatch(/^tributary: archive folder .+: written as tributary-archive version 9; /);
    rmSync(other, { recursive: true, force: true });

    const topic = await cli('replay', '--topic', 'enriched', '--from', '2026-11-01', '--to', '2026-11-02');
    expect(topic.err).toBe('tributary: --topic must be one of raw (records start again through ingest), got "enriched"\n');
    const zone = await cli('query', 'top', 'dimension=sku', '--from', '2026-11-01T10:00', '--to', '2026-11-02');
    expect(zone).toMatchObject({ code: 2 });
    expect(zone.err).toMatch(/^tributary: --from must be a date \(2026-11-01\) or an ISO 8601 time with a zone/);
  });
});
