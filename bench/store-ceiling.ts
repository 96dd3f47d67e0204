/**
 * The store ceiling and the sink against it, on the same store and the same rows. First the real
 * sink core writes the generated events (events plus rollups, one statement per batch); the rows it
 * stored are then read back as text and inserted again, into an emptied events table, by the
 * fastest bulk paths the store offers: COPY FROM STDIN, INSERT ... SELECT FROM unnest(arrays), and
 * INSERT ... SELECT FROM jsonb_to_recordset. No column mapping is written twice: the ceiling inserts
 * exactly what the sink produced.
 */
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { KafkaRecord } from '../src/kafka/msk-event.js';
import type { PipelineDefinition } from '../src/pipeline/definition.js';
import { sinkBatch } from '../src/stages/sink.js';
import { createPgliteClient } from '../src/store/pglite-client.js';
import type { SqlClient, SqlQueryable } from '../src/store/sql-client.js';
import type { InsertMethodResult, StoreCeilingResult } from './bench-results.js';
import type { BenchStore } from './bench-stores.js';
import { copyFrom, copyTextValue } from './pg-copy-from.js';
import { makeStageRecords } from './stage-records.js';

export interface StoreCeilingOptions {
  readonly store: BenchStore;
  readonly pipeline: PipelineDefinition;
  readonly rows: number;
  /** Batch sizes the ceiling is measured at besides the sink's. */
  readonly extraBatchSizes: readonly number[];
  readonly seed: number;
  readonly onProgress?: (line: string) => void;
}

interface Column {
  name: string;
  type: string;
}

type Row = (string | null)[];

const ROLLUP_TABLES = 'events, metrics_minute, product_minute, freshness_minute, sink_batches';

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

interface Measured {
  sinkRowsPerSecond: number;
  rows: Row[];
  columns: Column[];
}

type Recorder = (method: InsertMethodResult['method'], batchSize: number, rows: number, seconds: number) => void;

/** The sink, then unnest and jsonb_to_recordset (and COPY on PostgreSQL), through the store port. */
async function measureThroughClient(
  client: SqlClient,
  options: StoreCeilingOptions,
  records: { data: KafkaRecord[]; warmup: KafkaRecord[] },
  batchSizes: readonly number[],
  record: Recorder,
): Promise<Measured> {
  const { store, pipeline } = options;
  const sinkBatchSize = pipeline.stages.sink.batchSize;
  const settle = async (tables: string) => {
    await client.query(`TRUNCATE ${tables}`);
    if (store.kind === 'postgres') await client.query('CHECKPOINT');
  };
  // Warm the code paths and the statement plan, then start from empty tables.
  for (const batch of chunks(records.warmup, sinkBatchSize)) await sinkBatch(batch, pipeline, client);
  await settle(ROLLUP_TABLES);
  let stored = 0;
  const sinkSeconds = await timed(async () => {
    for (const batch of chunks(records.data, sinkBatchSize)) stored += (await sinkBatch(batch, pipeline, client)).outcome.passed;
  });
  if (stored !== records.data.length) throw new Error(`the sink stored ${stored} of ${records.data.length} events`);
  const sinkRowsPerSecond = Math.round(stored / sinkSeconds);
  options.onProgress?.(`sink (events + rollups) in batches of ${sinkBatchSize}: ${sinkRowsPerSecond.toLocaleString('en-US')} rows/s`);

  const columns = await eventColumns(client);
  const rows = await readRows(client, columns);
  for (const method of ['unnest', 'jsonb_to_recordset'] as const) {
    for (const batchSize of batchSizes) {
      await settle('events');
      record(method, batchSize, rows.length, await insertWithSql(client, method, rows, columns, batchSize));
    }
  }
  if (store.kind === 'postgres') {
    const copyClient = new pg.Client({ connectionString: store.location.databaseUrl });
    await copyClient.connect();
    try {
      const sql = `COPY events (${columns.map((c) => c.name).join(', ')}) FROM STDIN`;
      for (const batchSize of batchSizes) {
        await settle('events');
        const seconds = await timed(async () => {
          for (const batch of chunks(rows, batchSize)) await copyFrom(copyClient, sql, Buffer.from(copyText(batch), 'utf8'));
        });
        record('copy', batchSize, rows.length, seconds);
      }
    } finally {
      await copyClient.end();
    }
  }
  return { sinkRowsPerSecond, rows, columns };
}

/** COPY into PGlite needs its own API (the payload as /dev/blob), which the store port does not offer. */
async function copyIntoPglite(dataDir: string, measured: Measured, batchSizes: readonly number[], record: Recorder): Promise<void> {
  const db = await PGlite.create(dataDir);
  try {
    const sql = `COPY events (${measured.columns.map((c) => c.name).join(', ')}) FROM '/dev/blob'`;
    for (const batchSize of batchSizes) {
      await db.exec('TRUNCATE events');
      const seconds = await timed(async () => {
        for (const batch of chunks(measured.rows, batchSize)) await db.query(sql, [], { blob: new Blob([copyText(batch)]) });
      });
      record('copy', batchSize, measured.rows.length, seconds);
    }
  } finally {
    await db.close();
  }
}

/** Measures the sink, then each bulk insert path at each batch size, on one fresh store. */
export async function measureStoreCeiling(options: StoreCeilingOptions): Promise<StoreCeilingResult> {
  const { store, pipeline } = options;
  const sinkBatchSize = pipeline.stages.sink.batchSize;
  const data = makeStageRecords(pipeline, options.rows, options.seed);
  const warmup = makeStageRecords(pipeline, 2 * sinkBatchSize, options.seed + 1);
  const batchSizes = [...new Set([sinkBatchSize, ...options.extraBatchSizes])];
  const methods: InsertMethodResult[] = [];
  const record: Recorder = (method, batchSize, rows, seconds) => {
    const rowsPerSecond = Math.round(rows / seconds);
    methods.push({ method, batchSize, rowsPerSecond });
    options.onProgress?.(`${method} in batches of ${batchSize}: ${rowsPerSecond.toLocaleString('en-US')} rows/s`);
  };

  const client: SqlClient = store.client ?? (await createPgliteClient(store.dataDir));
  let measured: Measured;
  try {
    measured = await measureThroughClient(client, options, { data: data.enriched, warmup: warmup.enriched }, batchSizes, record);
  } finally {
    if (!store.client) await client.close();
  }
  if (store.kind === 'pglite' && store.dataDir) await copyIntoPglite(store.dataDir, measured, batchSizes, record);

  const best = (list: readonly InsertMethodResult[]) => list.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  const ceiling = best(methods.filter((m) => m.batchSize === sinkBatchSize));
  return {
    kind: 'store',
    store: store.kind,
    storeDescription: store.description,
    rows: measured.rows.length,
    batchSize: sinkBatchSize,
    methods,
    ceilingRowsPerSecond: ceiling.rowsPerSecond,
    ceilingMethod: ceiling.method,
    bestRowsPerSecond: best(methods).rowsPerSecond,
    sinkRowsPerSecond: measured.sinkRowsPerSecond,
    recordBytes: data.bytes,
  };
}
