/**
 * PGlite against the embedded PostgreSQL server as the twin's analytics store, each in a fresh
 * child process on a fresh data folder: startup (open + migrate + seed), sink rows/s (the sink's
 * own statement, 1,000-row batches, one at a time and 4 in parallel as the twin's partitions do),
 * peak memory (the Node process's peak RSS, plus for the server the proportional set size of its
 * processes, so shared buffers are counted once) and the data folder's size.
 * Run: npx tsx bench/runs/store-compare.ts [--records 100000] [--json file]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres-server.js';
import { createPgliteThreadClient } from '../../local/store/pglite-thread-client.js';
import { pipeline } from '../../src/pipeline/definition.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { sinkBatch } from '../../src/stages/sink.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { makeStageRecords } from '../harness/stage-records.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, store: { type: 'string' }, json: { type: 'string' } },
});
const total = Number(values.records);

interface StoreMeasurement {
  store: string;
  startupMs: number;
  sequentialRowsPerSecond: number;
  parallelRowsPerSecond: number;
  peakNodeRssMb: number;
  serverPssMb: number;
  dataFolderMb: number;
}

/** Proportional set size of a process and its descendants (MB). */
function pssOfTree(pid: number): number {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i] as number));
  let kb = 0;
  for (const p of all) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}

async function measure(kind: string): Promise<StoreMeasurement> {
  const folder = mkdtempSync(join(tmpdir(), `tributary-store-${kind}-`));
  chmodSync(folder, 0o755);
  const started = performance.now();
  let client: SqlClient;
  let serverPid: number | undefined;
  let stop = async () => {};
  if (kind === 'pglite') {
    client = await createPgliteThreadClient(join(folder, 'data'));
  } else {
    const server = await startEmbeddedPostgres({ dataDir: join(folder, 'data') });
    await server.ensureDatabase('analytics');
    client = createPostgresClient({ connectionString: server.url('analytics') });
    serverPid = server.pid;
    stop = () => server.stop();
  }
  await migrate(client);
  await seedReferenceData(client);
  const startupMs = performance.now() - started;

  const records = makeStageRecords(pipeline, total, 11).enriched;
  const half = Math.floor(records.length / 2);
  const batches = (items: typeof records) => {
    const out: (typeof records)[] = [];
    for (let i = 0; i < items.length; i += 1000) out.push(items.slice(i, i + 1000));
    return out;
  };
  let t = performance.now();
  let rows = 0;
  for (const b of batches(records.slice(0, half))) rows += (await sinkBatch(b, pipeline, client)).outcome.passed;
  const sequentialRowsPerSecond = rows / ((performance.now() - t) / 1000);
  const queue = batches(records.slice(half));
  t = performance.now();
  rows = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      for (let b = queue.shift(); b; b = queue.shift()) rows += (await sinkBatch(b, pipeline, client)).outcome.passed;
    }),
  );
  const parallelRowsPerSecond = rows / ((performance.now() - t) / 1000);
  const serverPssMb = serverPid ? pssOfTree(serverPid) : 0;
  await client.close();
  await stop();
  const dataFolderMb = Number(execFileSync('du', ['-sm', join(folder, 'data')], { encoding: 'utf8' }).split('\t')[0]);
  rmSync(folder, { recursive: true, force: true });
  return {
    store: kind === 'pglite' ? 'PGlite (worker thread)' : 'embedded PostgreSQL 17 (server process)',
    startupMs: Math.round(startupMs),
    sequentialRowsPerSecond: Math.round(sequentialRowsPerSecond),
    parallelRowsPerSecond: Math.round(parallelRowsPerSecond),
    peakNodeRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    serverPssMb: Math.round(serverPssMb),
    dataFolderMb,
  };
}

if (values.store) {
  process.stdout.write(`${JSON.stringify(await measure(values.store))}\n`);
} else {
  const results: StoreMeasurement[] = [];
  for (const store of ['pglite', 'embedded']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1] as string, '--store', store, '--records', String(total)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) throw new Error(`${store} failed: ${run.stderr}`);
    results.push(JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as StoreMeasurement);
  }
  console.log(`${total.toLocaleString('en-US')} generated events per store`);
  console.log('| store | startup | sink rows/s (1 at a time) | sink rows/s (4 in parallel) | peak RSS (Node) | server PSS | data folder |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.store} | ${r.startupMs} ms | ${r.sequentialRowsPerSecond.toLocaleString('en-US')} | ${r.parallelRowsPerSecond.toLocaleString('en-US')} | ${r.peakNodeRssMb} MB | ${r.serverPssMb} MB | ${r.dataFolderMb} MB |`,
    );
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
}
