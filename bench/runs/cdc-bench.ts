/**
 * Change data capture benchmarks:
 * 1. capture throughput: the embedded PostgreSQL, the embedded Kafka and the capture; N rows
 *    inserted in transactions of 500 as fast as the source takes them; changes/s from the first
 *    commit until Kafka acknowledged the last change;
 * 2. change-to-queryable at a steady 500 changes/s beside the clickstream: the twin with change
 *    data capture (embedded source; store: the same embedded server, PGlite with
 *    TRIBUTARY_STORE=pglite, or DATABASE_URL), the generator at --rate
 *    events/s, and a writer committing 500 order changes/s; shop commit to row applied in the
 *    mirror, p50/p99, after a warm-up; peak RSS of the twin process and PSS of the server.
 * Run: npx tsx bench/runs/cdc-bench.ts [--rows 50000] [--rate 1000] [--seconds 40]
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startChangeCapture } from '../../local/cdc/change-capture.js';
import { startShopTraffic } from '../../local/cdc/shop-traffic.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres-server.js';
import { LatencyHistogram } from '../../local/twin/latency-histogram.js';
import { startTwin } from '../../local/twin/local-twin.js';
import { optionalEnv } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { migrateShop } from '../../src/shop/shop-database.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '40' },
    part: { type: 'string' },
  },
});

function pssOfTree(pid: number): number {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      all.push(...readFileSync(`/proc/${all[i]}/task/${all[i]}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {}
  }
  let kb = 0;
  for (const p of all) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return Math.round(kb / 1024);
}

async function captureThroughput(rows: number): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-cdc-bench-'));
  chmodSync(folder, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(folder, 'pg') });
  await server.ensureDatabase('shop');
  const shop = createPostgresClient({ connectionString: server.url('shop') });
  await migrateShop(shop);
  await shop.query("INSERT INTO customers (customer_id, email) VALUES ('c', 'c@example.com')");
  const kafka = await startEmbeddedKafka({
    topics: ['orders', 'customers', 'order_lines'].map((t) => ({ name: `b.public.${t}`, partitions: 3 })),
  });
  const publisher = createKafkaPublisher(createKafka({ brokers: kafka.brokers, auth: { type: 'none' }, clientId: 'bench' }));
  const capture = await startChangeCapture({
    sourceUrl: server.url('shop'),
    topicPrefix: 'b',
    slotName: 'bench_slot',
    tables: ['public.customers', 'public.orders', 'public.order_lines'],
    publisher,
    stateDir: join(folder, 'state'),
    onWarning: () => {},
  });
  const started = performance.now();
  for (let i = 0; i < rows; i += 500) {
    await shop.query(
      `INSERT INTO orders (order_id, customer_id, status, currency, total, placed_at)
       SELECT 'o-' || g, 'c', 'placed', 'EUR', g, now() FROM generate_series($1::int, $2::int) g`,
      [i, Math.min(rows, i + 500) - 1],
    );
  }
  const committed = performance.now();
  if (!(await capture.caughtUp(600_000))) throw new Error('the capture did not catch up');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `capture: ${rows.toLocaleString('en-US')} row changes in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds).toLocaleString('en-US')} changes/s captured ` +
      `(source committed them in ${((committed - started) / 1000).toFixed(1)} s); server PSS ${pssOfTree(server.pid)} MB`,
  );
  await capture.stop();
  await publisher.close();
  await kafka.stop();
  await shop.close();
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
}

async function changeToQueryable(rate: number, seconds: number): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-cdc-twin-bench-'));
  chmodSync(folder, 0o755);
  const databaseUrl = optionalEnv('DATABASE_URL');
  const twin = await startTwin({
    pipeline: definePipeline(),
    // The default store (the embedded server, shared with the shop database), or TRIBUTARY_STORE=pglite.
    store: databaseUrl ? { databaseUrl } : { dataDir: join(folder, process.env.TRIBUTARY_STORE === 'pglite' ? 'pglite' : 'postgres') },
    cdc: { dataDir: folder },
    onWarning: () => {},
  });
  const cdc = twin.cdc;
  if (!cdc) throw new Error('no cdc');
  await cdc.shop.capture.caughtUp(120_000);
  await twin.drain(120_000);
  const shop = cdc.shop.source.client;
  const traffic = startShopTraffic(twin.publisher, shop, { seed: 3 });
  const abort = new AbortController();
  const generator = runGenerator({
    generator: createTrafficGenerator({ seed: 5, runId: 'bench' }),
    publisher: traffic.publisher,
    topic: twin.pipeline.topics.raw.name,
    ratePerSecond: rate,
    signal: abort.signal,
  });
  // 500 changes/s: every 100 ms one transaction updating 50 orders of the seeded set.
  await shop.query(`INSERT INTO customers (customer_id, email) VALUES ('bench', 'b@example.com') ON CONFLICT DO NOTHING;`);
  await shop.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, total, placed_at)
     SELECT 'bench-' || g, 'bench', 'placed', 'EUR', g, now() FROM generate_series(1, 5000) g ON CONFLICT DO NOTHING`,
  );
  let writes = 0;
  const writer = setInterval(() => {
    const from = (writes * 50) % 5000;
    writes++;
    void shop
      .query(
        `UPDATE orders SET total = total + 1, updated_at = now() WHERE order_id IN (SELECT 'bench-' || g FROM generate_series($1::int, $2::int) g)`,
        [from + 1, from + 50],
      )
      .catch(() => {});
  }, 100);
  let peakRss = 0;
  let peakPss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (cdc.shop.source.server?.server) peakPss = Math.max(peakPss, pssOfTree(cdc.shop.source.server.server.pid));
  }, 1000);
  await new Promise((r) => setTimeout(r, 10_000));
  // Measure from here: a fresh histogram fed by the same outcomes.
  const measured = new LatencyHistogram();
  const base = cdc.stats.latency;
  const originalAdd = base.add.bind(base);
  base.add = (ms: number) => {
    measured.add(ms);
    originalAdd(ms);
  };
  const appliedBefore = cdc.stats.stages.orders.applied + cdc.stats.stages.catalogue.applied;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const applied = cdc.stats.stages.orders.applied + cdc.stats.stages.catalogue.applied - appliedBefore;
  clearInterval(writer);
  abort.abort();
  await generator;
  await traffic.stop();
  clearInterval(sampler);
  const s = measured.summary();
  const events = twin.stats.latency.summary();
  console.log(
    `change-to-queryable beside ${rate} events/s of clickstream and ${Math.round((writes * 50) / (elapsed + 10))} bench changes/s (+ shop traffic): ` +
      `${Math.round(applied / elapsed)} changes/s applied, p50 ${s.p50} ms, p99 ${s.p99} ms, max ${Math.round(s.max)} ms (${s.count} changes); ` +
      `clickstream ingest-to-queryable p50 ${events.p50} ms, p99 ${events.p99} ms; store ${twin.storeDescription}; ` +
      `peak RSS of the twin process ${Math.round(peakRss / 1048576)} MB + embedded server PSS ${peakPss} MB`,
  );
  await twin.stop();
  rmSync(folder, { recursive: true, force: true });
}

if (values.part !== 'latency') await captureThroughput(Number(values.rows));
if (values.part !== 'capture') await changeToQueryable(Number(values.rate), Number(values.seconds));
