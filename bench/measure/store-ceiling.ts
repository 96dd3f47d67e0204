/**
 * The store ceiling and the sink against it, on the same store and the same rows. First the real
 * sink core writes the generated events (events plus rollups, one statement per batch); the rows it
 * stored are then read back as text and inserted again, into an emptied events table, by the
 * fastest bulk paths the store offers: COPY FROM STDIN, INSERT ... SELECT FROM unnest(arrays), and
 * INSERT ... SELECT FROM jsonb_to_recordset. No column mapping is written twice: the ceiling inserts
 * exactly what the sink produced. On PostgreSQL it also prices the sink's own work by the fastest
 * path: each batch COPYed into a staging table, then the sink's statement (events and rollups) from it.
 */
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { sinkBatch } from '../../src/stages/sink.js';
import { SINK_TABLES, writeBatchSql } from '../../src/store/event-writer.js';
import { LATENCY_BUCKET_BOUNDS_MS } from '../../src/store/freshness-buckets.js';
import type { SqlClient, SqlQueryable } from '../../src/store/sql-client.js';
import type { BenchStore } from '../harness/bench-stores.js';
import { makeStageRecords } from '../harness/stage-records.js';
import type { InsertMethodResult, StoreCeilingResult } from '../model/bench-results.js';
import { copyFrom, copyTextValue } from './pg-copy-from.js';

export interface StoreCeilingOptions {
  readonly store: BenchStore;
  readonly pipeline: PipelineDefinition;
  readonly rows: number;
  /** Batch sizes the ceiling is measured at besides the sink's. */
  readonly extraBatchSizes: readonly number[];
  readonly seed: number;
  /** Rounds of sink-then-bulk measurements; the best of each counts. */
  readonly rounds: number;
  readonly onProgress?: (line: string) => void;
}

interface Column {
  name: string;
  type: string;
}

type Row = (string | null)[];

const ROLLUP_TABLES = SINK_TABLES.join(', ');

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

async function eventColumns(db: SqlQueryable): Promise<Column[]> {
  return db.query<Column>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
}

async function readRows(db: SqlQueryable, columns: readonly Column[]): Promise<Row[]> {
  const list = columns.map((c) => `${c.name}::text AS ${c.name}`).join(', ');
  const rows = await db.query<Record<string, string | null>>(`SELECT ${list} FROM events ORDER BY event_id`);
  return rows.map((r) => columns.map((c) => r[c.name] ?? null));
}

function unnestSql(columns: readonly Column[]): string {
  const names = columns.map((c) => c.name).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return `INSERT INTO events (${names}) SELECT * FROM unnest(${arrays})`;
}

function recordsetSql(columns: readonly Column[]): string {
  const names = columns.map((c) => c.name).join(', ');
  return `INSERT INTO events (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS t(${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`;
}

function copyText(rows: readonly Row[]): string {
  let text = '';
  for (const row of rows) text += `${row.map(copyTextValue).join('\t')}\n`;
  return text;
}

/** Rows as objects for jsonb_to_recordset; jsonb columns carry their JSON, not a string of it (prepared untimed, as the sink holds its events). */
function rowObjects(rows: readonly Row[], columns: readonly Column[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(columns.map((c, i) => [c.name, c.type === 'jsonb' && row[i] != null ? JSON.parse(row[i] as string) : row[i]])),
  );
}

async function insertWithSql(
  db: SqlQueryable,
  method: 'unnest' | 'jsonb_to_recordset',
  rows: readonly Row[],
  columns: readonly Column[],
  batchSize: number,
): Promise<number> {
  if (method === 'unnest') {
    const sql = unnestSql(columns);
    return timed(async () => {
      for (const batch of chunks(rows, batchSize))
        await db.query(
          sql,
          columns.map((_, i) => batch.map((row) => row[i] ?? null)),
        );
    });
  }
  const sql = recordsetSql(columns);
  const objects = chunks(rowObjects(rows, columns), batchSize);
  return timed(async () => {
    for (const batch of objects) await db.query(sql, [JSON.stringify(batch)]);
  });
}

/** The sink's statement over a COPY-filled staging table: the sink's work by PostgreSQL's fastest input path. */
const SAME_WORK = 'copy+sink statement';

type Recorder = (
  method: InsertMethodResult['method'] | 'sink' | typeof SAME_WORK,
  batchSize: number,
  rows: number,
  seconds: number,
) => void;

interface Round {
  readonly client: SqlClient;
  readonly options: StoreCeilingOptions;
  readonly records: KafkaRecord[];
  readonly batchSizes: readonly number[];
  readonly record: Recorder;
}

async function settle(round: Round, tables: string): Promise<void> {
  await round.client.query(`TRUNCATE ${tables}`);
  if (round.options.store.kind === 'postgres') await round.client.query('CHECKPOINT');
}

/** The real sink core over all records at each batch size, from empty tables. */
async function measureSink(round: Round): Promise<void> {
  const { client, options, records } = round;
  for (const batchSize of round.batchSizes) {
    await settle(round, ROLLUP_TABLES);
    let stored = 0;
    const seconds = await timed(async () => {
      for (const batch of chunks(records, batchSize)) stored += (await sinkBatch(batch, options.pipeline, client)).outcome.passed;
    });
    if (stored !== records.length) throw new Error(`the sink stored ${stored} of ${records.length} events`);
    round.record('sink', batchSize, stored, seconds);
  }
}

/**
 * Each batch: COPY into a staging table, then the sink's own statement (events and rollups) from
 * it, in one transaction, from empty tables: what the sink does, with COPY's input path.
 */
async function copyThenSinkStatement(round: Round, copyClient: pg.Client, rows: readonly Row[], columns: readonly Column[]): Promise<void> {
  const batchSize = round.options.pipeline.stages.sink.batchSize;
  // The staging table has every column of events; the statement reads the ones it writes by name.
  const statement = writeBatchSql('SELECT * FROM sink_staging', 1);
  const copy = `COPY sink_staging (${columns.map((c) => c.name).join(', ')}) FROM STDIN`;
  await copyClient.query('CREATE TEMP TABLE IF NOT EXISTS sink_staging (LIKE events) ON COMMIT DELETE ROWS');
  await settle(round, ROLLUP_TABLES);
  const seconds = await timed(async () => {
    for (const batch of chunks(rows, batchSize)) {
      await copyClient.query('BEGIN');
      await copyFrom(copyClient, copy, Buffer.from(copyText(batch), 'utf8'));
      const stored = await copyClient.query(statement, [LATENCY_BUCKET_BOUNDS_MS, batch.length]);
      await copyClient.query('COMMIT');
      if (stored.rowCount !== batch.length)
        throw new Error(`the sink's statement over COPY stored ${stored.rowCount} of ${batch.length} events`);
    }
  });
  round.record(SAME_WORK, batchSize, rows.length, seconds);
}

/** unnest and jsonb_to_recordset through the store port, and COPY on PostgreSQL, into an emptied events table. */
async function measureBulk(round: Round, rows: readonly Row[], columns: readonly Column[]): Promise<void> {
  const { client, options, batchSizes, record } = round;
  for (const method of ['unnest', 'jsonb_to_recordset'] as const) {
    for (const batchSize of batchSizes) {
      await settle(round, 'events');
      record(method, batchSize, rows.length, await insertWithSql(client, method, rows, columns, batchSize));
    }
  }
  if (options.store.kind !== 'postgres') return;
  const copyClient = new pg.Client({ connectionString: options.store.location.databaseUrl });
  await copyClient.connect();
  try {
    const sql = `COPY events (${columns.map((c) => c.name).join(', ')}) FROM STDIN`;
    for (const batchSize of batchSizes) {
      await settle(round, 'events');
      const seconds = await timed(async () => {
        for (const batch of chunks(rows, batchSize)) await copyFrom(copyClient, sql, Buffer.from(copyText(batch), 'utf8'));
      });
      record('copy', batchSize, rows.length, seconds);
    }
    await copyThenSinkStatement(round, copyClient, rows, columns);
  } finally {
    await copyClient.end();
  }
}

/** COPY into PGlite needs its own API (the payload as /dev/blob), which the store port does not offer. */
async function copyIntoPglite(
  dataDir: string,
  rows: readonly Row[],
  columns: readonly Column[],
  batchSizes: readonly number[],
  record: Recorder,
): Promise<void> {
  const db = await PGlite.create(dataDir);
  try {
    const sql = `COPY events (${columns.map((c) => c.name).join(', ')}) FROM '/dev/blob'`;
    for (const batchSize of batchSizes) {
      await db.exec('TRUNCATE events');
      const seconds = await timed(async () => {
        for (const batch of chunks(rows, batchSize)) await db.query(sql, [], { blob: new Blob([copyText(batch)]) });
      });
      record('copy', batchSize, rows.length, seconds);
    }
  } finally {
    await db.close();
  }
}

const best = <T extends { rowsPerSecond: number }>(list: readonly T[]): T =>
  list.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));

/**
 * Measures the sink and each bulk insert path at each batch size on one fresh store, in rounds that
 * alternate between them so background load hits both alike; the best of the rounds counts.
 */
export async function measureStoreCeiling(options: StoreCeilingOptions): Promise<StoreCeilingResult> {
  const { store, pipeline } = options;
  const sinkBatchSize = pipeline.stages.sink.batchSize;
  const data = makeStageRecords(pipeline, options.rows, options.seed);
  const warmup = makeStageRecords(pipeline, 2 * sinkBatchSize, options.seed + 1);
  const batchSizes = [...new Set([sinkBatchSize, ...options.extraBatchSizes])];
  const samples: (InsertMethodResult & { round: number })[] = [];
  const sinkSamples: { batchSize: number; rowsPerSecond: number; round: number }[] = [];
  const sameWorkSamples: { rowsPerSecond: number; round: number }[] = [];
  let round = 0;
  const record: Recorder = (method, batchSize, rows, seconds) => {
    const rowsPerSecond = Math.round(rows / seconds);
    if (method === 'sink') sinkSamples.push({ batchSize, rowsPerSecond, round });
    else if (method === SAME_WORK) sameWorkSamples.push({ rowsPerSecond, round });
    else samples.push({ method, batchSize, rowsPerSecond, round });
    const what = method === 'sink' ? 'sink (events + rollups)' : method;
    options.onProgress?.(`round ${round}: ${what} in batches of ${batchSize}: ${rowsPerSecond.toLocaleString('en-US')} rows/s`);
  };

  let rows: Row[] = [];
  let columns: Column[] = [];
  for (round = 1; round <= options.rounds; round++) {
    const client: SqlClient = store.client ?? (await createPgliteClient(store.dataDir));
    try {
      const context: Round = { client, options, records: data.enriched, batchSizes, record };
      if (round === 1) {
        // Warm the code paths and the statement plan; the rows the sink stores are the ceiling's rows.
        for (const batch of chunks(warmup.enriched, sinkBatchSize)) await sinkBatch(batch, pipeline, client);
      }
      await measureSink(context);
      if (round === 1) {
        columns = await eventColumns(client);
        rows = await readRows(client, columns);
      }
      await measureBulk(context, rows, columns);
    } finally {
      if (!store.client) await client.close();
    }
    if (store.kind === 'pglite' && store.dataDir) await copyIntoPglite(store.dataDir, rows, columns, batchSizes, record);
  }

  const methods: InsertMethodResult[] = [];
  for (const sample of samples) {
    const known = methods.find((m) => m.method === sample.method && m.batchSize === sample.batchSize);
    if (!known) methods.push({ method: sample.method, batchSize: sample.batchSize, rowsPerSecond: sample.rowsPerSecond });
    else known.rowsPerSecond = Math.max(known.rowsPerSecond, sample.rowsPerSecond);
  }
  const sinkBySize = batchSizes.map((batchSize) => ({
    batchSize,
    rowsPerSecond: best(sinkSamples.filter((s) => s.batchSize === batchSize)).rowsPerSecond,
  }));
  const ceiling = best(methods.filter((m) => m.batchSize === sinkBatchSize));
  return {
    kind: 'store',
    store: store.kind,
    storeDescription: store.description,
    rows: rows.length,
    rounds: options.rounds,
    batchSize: sinkBatchSize,
    methods,
    ceilingRowsPerSecond: ceiling.rowsPerSecond,
    ceilingMethod: ceiling.method,
    bestRowsPerSecond: best(methods).rowsPerSecond,
    sinkRowsPerSecond: sinkBySize.find((s) => s.batchSize === sinkBatchSize)?.rowsPerSecond ?? 0,
    sinkBySize,
    ...(sameWorkSamples.length > 0 ? { sameWorkRowsPerSecond: best(sameWorkSamples).rowsPerSecond } : {}),
    samples: [...sinkSamples.map((s) => ({ method: 'sink' as const, ...s })), ...samples],
    recordBytes: data.bytes,
  };
}
