/**
 * Latency of the named queries over a store holding N events (default 1,000,000) in the window,
 * with rollups kept as the sink keeps them. Runs on a fresh PostgreSQL database (dropped after)
 * and/or an in-memory PGlite.
 *
 *   npx tsx bench/runs/query-latency.ts [--events 1000000] [--span 15m] [--runs 20] [--store postgres|pglite|both] [--keep]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) is the server to create the
 * database on.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import { parseDuration } from '../../src/analytics/duration.js';
import { runNamedQuery } from '../../src/analytics/named-queries.js';
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS } from '../../src/store/freshness-buckets.js';
import { migrate } from '../../src/store/migrate.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import type { SqlClient } from '../../src/store/sql-client.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    span: { type: 'string', default: '15m' },
    runs: { type: 'string', default: '20' },
    store: { type: 'string', default: 'postgres' },
    /** Leave the PostgreSQL database in place (to study plans), and print its name. */
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const SPAN_MS = parseDuration(args.span ?? '') ?? Number.NaN;
const RUNS = Number(args.runs);
if (!Number.isInteger(EVENTS) || EVENTS < 1) throw new Error(`--events must be a positive whole number, got ${args.events}`);
if (Number.isNaN(SPAN_MS)) throw new Error(`--span must be a duration such as 15m, got ${args.span}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive whole number, got ${args.runs}`);
if (!['postgres', 'pglite', 'both'].includes(args.store ?? ''))
  throw new Error(`--store must be postgres, pglite or both, got ${args.store}`);

const last = args.span as string;
/** The queries a dashboard refresh makes, and the ones that read raw events. */
const CASES: [string, Record<string, string>][] = [
  ['timeseries', { last }],
  ['timeseries', { split: 'event_type', last }],
  ['timeseries', { metric: 'revenue_usd', split: 'category', last }],
  ['top', { dimension: 'category', metric: 'revenue_usd', last }],
  ['top', { dimension: 'country', n: '10', last }],
  ['freshness', { last }],
  ['freshness', { last, bucket: '1m' }],
  ['pipeline', { last }],
  ['timeseries', { bucket: '1s', last: '5m' }],
  ['timeseries', { metric: 'active_users', last }],
  ['top', { dimension: 'sku', metric: 'revenue_usd', last }],
  ['funnel', { last }],
];

/** Fills the store with EVENTS events over SPAN_MS ending now, then rollups and batches as the sink writes them. */
async function fill(db: SqlClient, now: Date): Promise<void> {
  const start = new Date(now.getTime() - SPAN_MS).toISOString();
  const chunk = 100_000;
  for (let offset = 0; offset < EVENTS; offset += chunk) {
    await db.query(
      `WITH s AS (
         SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                $3::timestamptz + random() * $4::float8 * interval '1 millisecond' AS et
           FROM generate_series($1::bigint + 1, $1::bigint + $2::bigint) AS g),
       t AS (
         SELECT *, CASE WHEN r1 < 0.35 THEN 'page_view' WHEN r1 < 0.65 THEN 'product_view' WHEN r1 < 0.75 THEN 'search'
                        WHEN r1 < 0.87 THEN 'add_to_cart' WHEN r1 < 0.94 THEN 'checkout' ELSE 'purchase' END AS type,
                   floor(r2 * 200)::integer AS product, 1 + floor(r3 * 3)::integer AS qty
           FROM s)
       INSERT INTO events (event_id, event_type, schema_version, source, event_time, received_at, ingested_at, user_id, session_id,
                           device_id, sku, product_name, category, quantity, price, currency, value_usd, revenue_usd, country,
                           device_class, browser, os, is_bot, payload)
       SELECT 'bench-' || g, type, 1, 'web', et, et + interval '80 milliseconds',
              et + (100 + floor(r4 * r4 * 2500)) * interval '1 millisecond',
              'u' || (g * 7919 % 50000), 's' || (g * 104729 % 100000), 'd' || (g * 15485863 % 80000),
              CASE WHEN type IN ('product_view', 'add_to_cart', 'purchase') THEN 'SKU-' || product END,
              CASE WHEN type IN ('product_view', 'add_to_cart', 'purchase') THEN 'Product ' || product END,
              CASE WHEN type IN ('product_view', 'add_to_cart', 'purchase') THEN 'category-' || (product % 10) END,
              CASE WHEN type IN ('add_to_cart', 'purchase', 'checkout') THEN qty END,
              CASE WHEN type IN ('add_to_cart', 'purchase', 'checkout') THEN 5 + product END,
              CASE WHEN type IN ('add_to_cart', 'purchase', 'checkout') THEN 'USD' END,
              CASE WHEN type IN ('add_to_cart', 'purchase', 'checkout') THEN (5 + product) * qty END,
              CASE WHEN type = 'purchase' THEN (5 + product) * qty END,
              chr(65 + (g * 31 % 15)::integer) || chr(65 + (g % 2)::integer), -- 30 two-letter countries
              (ARRAY['desktop', 'mobile', 'tablet'])[1 + (g % 3)::integer],
              (ARRAY['Chrome', 'Safari', 'Firefox', 'Edge'])[1 + ((g / 3) % 4)::integer],
              (ARRAY['Windows', 'macOS', 'Android', 'iOS'])[1 + ((g / 7) % 4)::integer],
              r3 < 0.03, '{}'::jsonb
         FROM t`,
      [offset, Math.min(chunk, EVENTS - offset), start, SPAN_MS],
    );
  }
  await db.query(
    `INSERT INTO metrics_minute (bucket, event_type, category, country, device_class, events, quantity, revenue_usd, bot_events)
     SELECT date_trunc('minute', event_time), event_type, coalesce(category, ''), coalesce(country::text, ''), coalesce(device_class, ''),
            count(*), coalesce(sum(quantity), 0), coalesce(sum(revenue_usd), 0), count(*) FILTER (WHERE is_bot)
       FROM events GROUP BY 1, 2, 3, 4, 5`,
  );
  await db.query(
    `INSERT INTO freshness_minute (bucket, le_ms, events)
     SELECT date_trunc('minute', ingested_at),
            coalesce((SELECT min(b) FROM unnest($1::int4[]) AS b WHERE b >= extract(epoch FROM ingested_at - received_at) * 1000), $2::integer),
            count(*)
       FROM events GROUP BY 1, 2`,
    [LATENCY_BUCKET_BOUNDS_MS, LATENCY_OVERFLOW_LE_MS],
  );
  await db.query(
    `INSERT INTO sink_batches (committed_at, records, inserted, duplicates)
     SELECT $1::timestamptz + (i * $2::float8 / $3::integer) * interval '1 millisecond', 100, 100, 0
       FROM generate_series(1, $3::integer) AS i`,
    [start, SPAN_MS, Math.ceil(EVENTS / 100)],
  );
  await db.query('ANALYZE');
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function bench(label: string, db: SqlClient): Promise<void> {
  await migrate(db);
  const now = new Date();
  const fillStart = performance.now();
  await fill(db, now);
  const [sizes] = await db.query<{ events: number; rollup_rows: number; freshness_rows: number }>(
    `SELECT (SELECT count(*) FROM events)::float8 AS events, (SELECT count(*) FROM metrics_minute)::float8 AS rollup_rows,
            (SELECT count(*) FROM freshness_minute)::float8 AS freshness_rows`,
  );
  console.log(
    `\n${label}: ${sizes?.events} events over ${args.span}, ${sizes?.rollup_rows} metrics_minute rows, ${sizes?.freshness_rows} freshness_minute rows (filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s)`,
  );
  console.log('query                                                         source          rows    p50 ms   p95 ms   max ms');
  for (const [name, params] of CASES) {
    const times: number[] = [];
    let rows = 0;
    let source = '';
    for (let i = 0; i < RUNS + 2; i++) {
      const t0 = performance.now();
      const result = await runNamedQuery(db, name, params, { now });
      const elapsed = performance.now() - t0;
      if (i >= 2) times.push(elapsed); // two warm-up runs
      rows = result.rows.length;
      source = result.sources.join('+');
    }
    times.sort((a, b) => a - b);
    const query = `${name} ${new URLSearchParams(params).toString()}`;
    console.log(
      `${query.padEnd(62)}${source.padEnd(16)}${String(rows).padStart(4)}${percentile(times, 0.5).toFixed(1).padStart(10)}${percentile(times, 0.95).toFixed(1).padStart(9)}${(times.at(-1) ?? 0).toFixed(1).padStart(9)}`,
    );
  }
}

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function onPostgres(): Promise<void> {
  const name = `tributary_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createPostgresClient({ connectionString: url.toString() });
  try {
    await bench(`PostgreSQL (${(await db.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]?.v ?? '?'})`, db);
  } finally {
    await db.close();
    if (args.keep) console.log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function onPglite(): Promise<void> {
  const db = await createPgliteClient();
  try {
    await bench('PGlite (in memory)', db);
  } finally {
    await db.close();
  }
}

console.log(
  `named query latency: ${EVENTS.toLocaleString('en-US')} events in the last ${args.span}, ${RUNS} runs per query after 2 warm-ups`,
);
if (args.store !== 'pglite') await onPostgres();
if (args.store !== 'postgres') await onPglite();
