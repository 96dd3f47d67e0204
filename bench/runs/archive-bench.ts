/**
 * The archive's two figures:
 *  - write rate: enriched records (JSON values as the enrich stage writes them) read into archive
 *    rows and written as Parquet by the twin's writer, in events/s (no Kafka: the writer's own cost);
 *  - historical query latency: named queries answered from N archived events (default 1,000,000,
 *    generated as Parquet directly with DuckDB, one file per event hour over 30 days, 1% archived twice).
 *
 *   npx tsx bench/runs/archive-bench.ts [--write-events 200000] [--events 1000000] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { checkArchiveManifest, partitionDir } from '../../local/archive/archive-layout.js';
import { ArchiveReader } from '../../local/archive/archive-reader.js';
import { toArchiveRow } from '../../local/archive/archive-row.js';
import { ARCHIVE_COLUMNS } from '../../local/archive/archive-schema.js';
import { localArchiveTables } from '../../local/archive/archive-tables.js';
import { ParquetFileWriter } from '../../local/archive/parquet-file-writer.js';
import { sqlLiteral } from '../../local/archive/sql-literal.js';
import { runHistoricalQuery } from '../../src/analytics/historical-query.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';

const { values: args } = parseArgs({
  options: {
    'write-events': { type: 'string', default: '200000' },
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    /** Generate the query archive here and keep it. */
    'query-dir': { type: 'string' },
  },
});
const WRITE_EVENTS = Number(args['write-events']);
const EVENTS = Number(args.events);
const RUNS = Number(args.runs);
for (const [flag, n] of [
  ['--write-events', WRITE_EVENTS],
  ['--events', EVENTS],
  ['--runs', RUNS],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number`);
}

const START = Date.parse('2026-11-01T00:00:00.000Z');
const DAYS = 30;
const TYPES = ['page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase'];

function enrichedValue(i: number): Buffer {
  const type = TYPES[i % TYPES.length] as string;
  const at = START + Math.floor((i / WRITE_EVENTS) * 3_600_000);
  return Buffer.from(
    JSON.stringify({
      eventId: `w-${i}`,
      type,
      schemaVersion: 1,
      source: 'web',
      occurredAt: new Date(at).toISOString(),
      receivedAt: new Date(at + 40).toISOString(),
      userId: `u-${i % 5000}`,
      sessionId: `s-${i % 20000}`,
      ...(type === 'purchase' ? { orderId: `o-${i}`, sku: `SKU-${i % 200}`, quantity: 1 + (i % 3), price: 19.99, currency: 'EUR' } : {}),
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      enrichment: {
        productName: type === 'purchase' ? `Product ${i % 200}` : null,
        category: type === 'purchase' ? 'home' : null,
        valueUsd: type === 'purchase' ? 21.5 : null,
        revenueUsd: type === 'purchase' ? 21.5 : null,
        country: 'FR',
        deviceClass: 'desktop',
        browser: 'Chrome',
        os: 'Linux',
        isBot: false,
      },
    }),
  );
}

async function writeRate(dir: string): Promise<{ eventsPerSecond: number; seconds: number; files: number }> {
  const values = Array.from({ length: WRITE_EVENTS }, (_, i) => enrichedValue(i));
  const writer = await ParquetFileWriter.open(dir);
  const started = performance.now();
  let files = 0;
  // Flushes of 20,000 records, as a delivery stream would hand them over.
  for (let offset = 0; offset < WRITE_EVENTS; offset += 20_000) {
    const rows = values.slice(offset, offset + 20_000).map((value, j) =>
      toArchiveRow('enriched', 'bench-enriched', {
        partition: 0,
        offset: String(offset + j),
        timestamp: START,
        key: Buffer.from('u-1'),
        value,
        headers: [{ key: 'traceparent', value: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') }],
      }),
    );
    files += (await writer.write('enriched', 'bench-archive-enriched', rows)).length;
  }
  const seconds = (performance.now() - started) / 1000;
  writer.close();
  return { eventsPerSecond: Math.round(WRITE_EVENTS / seconds), seconds, files };
}

/** EVENTS archived events over DAYS days, one file per event hour, 1% of them archived twice. */
async function generateArchive(dir: string): Promise<number> {
  checkArchiveManifest(dir, { create: true });
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  const hours = DAYS * 24;
  const perHour = Math.ceil(EVENTS / hours);
  const select = ARCHIVE_COLUMNS.map((col) => {
    const expr: Record<string, string> = {
      topic: `'bench-enriched'`,
      kafka_partition: `(i % 6)::INTEGER`,
      kafka_offset: `i`,
      kafka_timestamp: `make_timestamptz(($start + (i * $span) // $events) * 1000 + 40000)`,
      key: `('u-' || (i % 5000))::BLOB`,
      value: `repeat('x', 400)::BLOB`,
      headers: `'[]'`,
      event_id: `'e-' || i`,
      event_type: `['page_view','product_view','search','add_to_cart','checkout','purchase'][1 + i % 6]`,
      event_time: `make_timestamptz(($start + (i * $span) // $events) * 1000)`,
      received_at: `make_timestamptz(($start + (i * $span) // $events) * 1000 + 40000)`,
      user_id: `'u-' || (i % 5000)`,
      session_id: `'s-' || (i % 200000)`,
      device_id: `NULL`,
      sku: `CASE WHEN i % 6 >= 3 THEN 'SKU-' || (hash(i) % 500) END`,
      product_name: `CASE WHEN i % 6 >= 3 THEN 'Product ' || (hash(i) % 500) END`,
      category: `['home','books','toys','garden','beauty'][1 + i % 5]`,
      quantity: `CASE WHEN i % 6 >= 3 THEN (1 + i % 3)::INTEGER END`,
      value_usd: `CASE WHEN i % 6 >= 3 THEN ((hash(i) % 10000) / 100.0)::DECIMAL(20,4) END`,
      revenue_usd: `CASE WHEN i % 6 = 5 THEN ((hash(i) % 10000) / 100.0)::DECIMAL(20,4) END`,
      country: `['FR','DE','US','GB','JP','BR'][1 + i % 6]`,
      device_class: `['desktop','mobile','tablet'][1 + i % 3]`,
      browser: `'Chrome'`,
      os: `'Linux'`,
      is_bot: `i % 50 = 0`,
    };
    return `${expr[col.name] ?? 'NULL'} AS ${col.name}`;
  }).join(', ');
  const params = { start: START, span: DAYS * 86_400_000, events: EVENTS };
  const bind = (sql: string) =>
    sql.replaceAll('$start', String(params.start)).replaceAll('$span', String(params.span)).replaceAll('$events', String(params.events));
  for (let h = 0; h < hours; h++) {
    const from = h * perHour;
    const to = Math.min(EVENTS, from + perHour);
    if (from >= to) break;
    const at = START + h * 3_600_000;
    const iso = new Date(at).toISOString();
    const file = join(partitionDir(dir, 'enriched', { date: iso.slice(0, 10), hour: iso.slice(11, 13) }), `bench-${h}.parquet`);
    await c.run(`SELECT 1`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(file, '..'), { recursive: true });
    // 1% of each hour again, as an at-least-once archive delivers them twice.
    await c.run(
      bind(`COPY (SELECT ${select} FROM (SELECT range AS i FROM range(${from}, ${to}) UNION ALL SELECT range AS i FROM range(${from}, ${to}) WHERE range % 100 = 0))
              TO ${sqlLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`),
    );
  }
  c.closeSync();
  instance.closeSync();
  return hours;
}

const refuse: SqlQueryable = {
  query: () => Promise.reject(new Error('the store is not read: every window is older than its horizon')),
};

/** [label, median wall ms, max wall ms, median CPU ms (every thread of the process: DuckDB's too)] */
async function queryLatency(dir: string): Promise<[string, number, number, number][]> {
  const reader = await ArchiveReader.open(dir);
  const sources = { store: refuse, archive: localArchiveTables(reader), storeHorizon: new Date(START + (DAYS + 1) * 86_400_000) };
  const month = { from: new Date(START).toISOString(), to: new Date(START + DAYS * 86_400_000).toISOString() };
  const day = { from: new Date(START + 86_400_000).toISOString(), to: new Date(START + 2 * 86_400_000).toISOString() };
  const cases: [string, Record<string, string>][] = [
    ['top', { dimension: 'sku', metric: 'revenue_usd', n: '10', ...month }],
    ['top', { dimension: 'country', metric: 'events', ...month }],
    ['timeseries', { metric: 'events', bucket: '1h', split: 'event_type', ...month }],
    ['top', { dimension: 'sku', metric: 'revenue_usd', n: '10', ...day }],
    ['funnel', { by: 'session', ...day }],
  ];
  const out: [string, number, number, number][] = [];
  for (const [name, params] of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let rows = 0;
    for (let r = 0; r < RUNS; r++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const result = await runHistoricalQuery(sources, name, params, { now: new Date(START + (DAYS + 2) * 86_400_000) });
      times.push(performance.now() - started);
      const used = process.cpuUsage(cpuStarted);
      cpu.push((used.user + used.system) / 1000);
      rows = result.rows.length;
      if (!result.sources.every((s) => s.startsWith('archive:'))) throw new Error(`${name} was not answered from the archive`);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const label = `${name} ${Object.entries(params)
      .filter(([k]) => k !== 'from' && k !== 'to')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} over ${params.from === month.from ? '30 days' : '1 day'} (${rows} rows)`;
    const median = (values: number[]) => Math.round(values[Math.floor(values.length / 2)] ?? 0);
    out.push([label, median(times), Math.round(times[times.length - 1] ?? 0), median(cpu)]);
  }
  reader.close();
  return out;
}

const writeDir = mkdtempSync(join(tmpdir(), 'tributary-archive-write-'));
const queryDir = args['query-dir'] ?? mkdtempSync(join(tmpdir(), 'tributary-archive-query-'));
try {
  const write = await writeRate(writeDir);
  process.stdout.write(
    `| archive write rate (JSON -> rows -> Parquet, ${WRITE_EVENTS.toLocaleString('en-US')} events, ${write.files} files) | ${write.eventsPerSecond.toLocaleString('en-US')} events/s |\n`,
  );
  const started = performance.now();
  const hours = await generateArchive(queryDir);
  process.stderr.write(
    `generated ${EVENTS.toLocaleString('en-US')} events (+1% duplicates) in ${hours} hourly files in ${Math.round(performance.now() - started)} ms\n`,
  );
  for (const [label, median, max, cpu] of await queryLatency(queryDir)) {
    process.stdout.write(
      `| ${label}, ${EVENTS.toLocaleString('en-US')} archived events | median ${median} ms, max ${max} ms; CPU ${cpu} ms (${RUNS} runs) |\n`,
    );
  }
  process.stderr.write(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores\n`,
  );
} finally {
  rmSync(writeDir, { recursive: true, force: true });
  if (args['query-dir'] === undefined) rmSync(queryDir, { recursive: true, force: true });
}
