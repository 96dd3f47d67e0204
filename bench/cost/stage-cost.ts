/**
 * Per-stage cost of the handlers' core on generated storefront events: microseconds per record for
 * ingest, enrich and the sink's client side (1,000-record batches, warm caches, no I/O), and sink
 * rows/s into PostgreSQL (DATABASE_URL or the local server) and PGlite.
 * Run: npx tsx bench/cost/stage-cost.ts [--records N]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sampleReferenceData } from '../../local/reference/sample-reference-data.js';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { pipeline } from '../../src/pipeline/definition.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { enrichBatch } from '../../src/stages/enrich.js';
import { ingestBatch } from '../../src/stages/ingest.js';
import { sinkBatch } from '../../src/stages/sink.js';
import { SINK_TABLES } from '../../src/store/event-writer.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { makeStageRecords } from '../harness/stage-records.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '50000' } } });
const total = Number(values.records);
const BATCH = 1000;

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Runs fn over every batch twice (the first pass warms up) and returns microseconds per record. */
function microsPerRecord<T>(label: string, input: T[][], fn: (batch: T[]) => unknown): number {
  for (const batch of input) fn(batch);
  const start = performance.now();
  for (const batch of input) fn(batch);
  const us = ((performance.now() - start) * 1000) / input.reduce((n, b) => n + b.length, 0);
  console.log(`${label.padEnd(28)} ${us.toFixed(2).padStart(8)} us/record`);
  return us;
}

async function sinkRowsPerSecond(label: string, client: SqlClient, input: KafkaRecord[][]): Promise<number> {
  await migrate(client);
  await seedReferenceData(client);
  await client.query(`TRUNCATE ${SINK_TABLES.join(', ')}`);
  const start = performance.now();
  let rows = 0;
  for (const batch of input) rows += (await sinkBatch(batch, pipeline, client)).outcome.passed;
  const perSecond = rows / ((performance.now() - start) / 1000);
  console.log(
    `${label.padEnd(28)} ${Math.round(perSecond).toLocaleString('en-US').padStart(8)} rows/s (${rows.toLocaleString('en-US')} rows)`,
  );
  return perSecond;
}

const records = makeStageRecords(pipeline, total, 7);
console.log(`${total.toLocaleString('en-US')} generated events, batches of ${BATCH}`);

microsPerRecord('ingest', batches(records.raw), (b) => ingestBatch(b, pipeline));
const reference = sampleReferenceData();
const agents = new UserAgentClassifier();
microsPerRecord('enrich (warm caches)', batches(records.clean), (b) => enrichBatch(b, pipeline, reference, agents));
const sinkInput = batches(records.enriched);
// The sink's own share: parsing the records and building the statement's parameter, against a
// store that answers at once with no rows.
const noStore: SqlClient = {
  kind: 'postgres',
  query: async () => [],
  transaction: async (fn) => fn(noStore),
  readOnlyQuery: async () => ({ columns: [], rows: [] }),
  close: async () => {},
};
const sinkClientSide = async (): Promise<number> => {
  for (const batch of sinkInput) await sinkBatch(batch, pipeline, noStore);
  const start = performance.now();
  for (const batch of sinkInput) await sinkBatch(batch, pipeline, noStore);
  return ((performance.now() - start) * 1000) / records.enriched.length;
};
console.log(`${'sink (no store)'.padEnd(28)} ${(await sinkClientSide()).toFixed(2).padStart(8)} us/record`);

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `tributary_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
try {
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${dbName}`;
  const postgres = createPostgresClient({ connectionString: benchUrl.toString() });
  await sinkRowsPerSecond('sink -> PostgreSQL', postgres, sinkInput);
  await postgres.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
const pglite = await createPgliteClient();
await sinkRowsPerSecond('sink -> PGlite (in memory)', pglite, sinkInput);
await pglite.close();
