/**
 * Dashboard responsiveness under load: the local twin runs with the traffic generator at --rate
 * events/s; after --warmup seconds (so the dashboard's 5-minute windows hold as many events as in
 * steady state) the real page is opened in headless Chromium and every refresh it makes (all the
 * widget queries due, in parallel, as the page does) is timed for --duration seconds.
 * Prints refresh p50/p95/max, a per-query breakdown, and how the pipeline kept up meanwhile.
 *
 *   npx tsx bench/runs/dashboard-latency.ts [--rate 2000] [--warmup 300] [--duration 30] [--store postgres|pglite] [--keep]
 *
 * PostgreSQL: a fresh database on BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * dropped afterwards unless --keep. PGlite: a temporary data folder. Chromium: CHROMIUM_PATH or
 * /usr/bin/chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import { twinStatusSource } from '../../local/dashboard/twin-status-source.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import type { StoreLocation } from '../../local/store/open-store.js';
import { startTwin } from '../../local/twin/local-twin.js';
import { runNamedQuery } from '../../src/analytics/index.js';
import { definePipeline } from '../../src/pipeline/definition.js';

const TARGET_MS = 200;
/** How long the first answer of every widget is waited for before measuring anyway. */
const READY_TIMEOUT_MS = 90_000;

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    duration: { type: 'string', default: '30' },
    store: { type: 'string', default: 'postgres' },
    partitions: { type: 'string', default: '6' },
    keep: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string | undefined, allowZero = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}
const RATE = positive('rate', args.rate);
const WARMUP_S = positive('warmup', args.warmup, true);
const DURATION_S = positive('duration', args.duration);
const PARTITIONS = positive('partitions', args.partitions);
if (args.store !== 'postgres' && args.store !== 'pglite') throw new Error(`--store must be postgres or pglite, got ${args.store}`);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Refresh {
  tookMs: number;
  queries: number;
}

interface QueryTiming {
  name: string;
  ms: number;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function summary(values: readonly number[]): { n: number; p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted.at(-1) ?? Number.NaN };
}

const ms = (n: number) => n.toFixed(0).padStart(7);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function openStoreLocation(): Promise<{ location: StoreLocation; label: string; dispose: () => Promise<void> }> {
  if (args.store === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-pglite-'));
    return {
      location: { dataDir, engine: 'pglite' },
      label: 'PGlite (in-process)',
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `tributary_dash_bench_${process.pid}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    location: { databaseUrl: url.toString() },
    label: `PostgreSQL (database ${name})`,
    dispose: async () => {
      if (args.keep) console.log(`kept database ${name}`);
      else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** The query a request asked, as a short label: name plus the parameters that tell widgets apart. */
function queryLabel(url: string): string {
  const { pathname, searchParams } = new URL(url);
  const name = pathname.replace('/query/', '');
  const detail = ['metric', 'bucket', 'dimension'].map((p) => searchParams.get(p)).filter((v) => v !== null);
  return [name, ...detail].join(' ');
}

type Twin = Awaited<ReturnType<typeof startTwin>>;
type Page = Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>['newPage']>>;

/** What one measured window saw. */
interface Measurement {
  refreshes: Refresh[];
  timings: QueryTiming[];
  firstLoadMs: number;
  storedPerSecond: number;
  lag: Record<string, number>;
  freshness: Awaited<ReturnType<typeof runNamedQuery>>;
  errors: number;
  unanswered: string[];
  loopDelay: ReturnType<typeof monitorEventLoopDelay>;
}

/** Feeds the twin for the warm-up, printing progress every 15 s. */
async function warmUp(twin: Twin, acknowledged: () => number): Promise<void> {
  const warmupEnd = Date.now() + WARMUP_S * 1000;
  while (Date.now() < warmupEnd) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(15_000, Math.max(0, warmupEnd - Date.now()))));
    const lag = await twin.lag();
    console.log(
      `  warm-up ${Math.round(WARMUP_S - (warmupEnd - Date.now()) / 1000)} s: produced ${acknowledged().toLocaleString('en-US')}, stored ${twin.stats.stages.sink.passed.toLocaleString('en-US')}, lag ${Object.values(lag).join('/')}`,
    );
  }
}

/** Watches the page's "last refresh" line from the first refresh on; the page itself is unchanged. */
async function watchRefreshes(page: Page): Promise<{ refreshes: Refresh[]; measure: (on: boolean) => void }> {
  const refreshes: Refresh[] = [];
  let measuring = false;
  await page.exposeFunction('benchRefreshed', (tookMs: number, queries: number) => {
    if (measuring) refreshes.push({ tookMs, queries });
  });
  await page.addInitScript(() => {
    performance.setResourceTimingBufferSize(100_000);
    document.addEventListener('DOMContentLoaded', () => {
      const line = document.querySelector<HTMLElement>('[data-testid="last-refresh"]');
      const report = (window as unknown as { benchRefreshed: (took: number, queries: number) => void }).benchRefreshed;
      if (!line) return;
      new MutationObserver(() => report(Number(line.dataset.tookMs), Number(line.dataset.queries))).observe(line, {
        attributes: true,
        attributeFilter: ['data-time'],
      });
    });
  });
  return { refreshes, measure: (on) => (measuring = on) };
}

/** Widgets that have not drawn their first answer yet. */
function notReady(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('[data-widget]:not([data-ready="true"])')).map((w) => w.dataset.widget ?? '?'),
  );
}

/** Opens the page, waits for its first load, then records every refresh for the run's duration. */
async function measurePage(page: Page, url: string, twin: Twin): Promise<Measurement> {
  const { refreshes, measure } = await watchRefreshes(page);
  const opened = Date.now();
  await page.goto(url);
  // The first load reads the full 5-minute window of raw events; steady state starts after it.
  // A widget whose query does not answer in time is reported, and the others are still measured.
  const readyBy = Date.now() + READY_TIMEOUT_MS;
  while ((await notReady(page)).length > 0 && Date.now() < readyBy) await new Promise((resolve) => setTimeout(resolve, 100));
  const firstLoadMs = Date.now() - opened;
  const storedAtStart = twin.stats.stages.sink.passed;
  const measureStart = await page.evaluate(() => performance.now());
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  measure(true);
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1000));
  measure(false);
  loopDelay.disable();
  const storedPerSecond = (twin.stats.stages.sink.passed - storedAtStart) / DURATION_S;
  const timings = await page.evaluate(
    (since) =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/query/') && e.startTime >= since)
        .map((e) => ({ name: e.name, ms: e.duration })),
    measureStart,
  );
  const lag = await twin.lag();
  const freshness = await runNamedQuery(twin.store, 'freshness', { last: '1m' });
  const errors = await page.locator('[data-widget][data-error]').count();
  return { refreshes, timings, firstLoadMs, storedPerSecond, lag, freshness, errors, unanswered: await notReady(page), loopDelay };
}

function printRefreshes(m: Measurement): { max: number } {
  const all = summary(m.refreshes.map((r) => r.tookMs));
  const maxQueries = Math.max(...m.refreshes.map((r) => r.queries));
  const withFunnel = summary(m.refreshes.filter((r) => r.queries === maxQueries).map((r) => r.tookMs));
  const without = summary(m.refreshes.filter((r) => r.queries < maxQueries).map((r) => r.tookMs));
  if (m.unanswered.length > 0)
    console.log(`\nno answer within ${READY_TIMEOUT_MS / 1000} s of opening the page, nor during the run: ${m.unanswered.join(', ')}`);
  console.log(`\nopening the page until every widget has drawn (the events chart reads its whole 5 minutes once): ${m.firstLoadMs} ms`);
  console.log(`refreshes over ${DURATION_S} s, every 2 s as the page makes them (ms):`);
  console.log('                                   n     p50     p95     max');
  console.log(`  every refresh               ${String(all.n).padStart(5)}${ms(all.p50)} ${ms(all.p95)} ${ms(all.max)}`);
  console.log(
    `  with the funnel (${maxQueries} queries) ${String(withFunnel.n).padStart(5)}${ms(withFunnel.p50)} ${ms(withFunnel.p95)} ${ms(withFunnel.max)}`,
  );
  if (without.n > 0)
    console.log(
      `  without it (${maxQueries - 1} queries)      ${String(without.n).padStart(5)}${ms(without.p50)} ${ms(without.p95)} ${ms(without.max)}`,
    );
  return all;
}

function printQueries(m: Measurement): void {
  console.log('\nper query, as the browser saw it (ms):');
  const byQuery = new Map<string, number[]>();
  for (const t of m.timings) byQuery.set(queryLabel(t.name), [...(byQuery.get(queryLabel(t.name)) ?? []), t.ms]);
  for (const [label, values] of [...byQuery].sort()) {
    const s = summary(values);
    console.log(`  ${label.padEnd(30)}${String(s.n).padStart(5)}${ms(s.p50)} ${ms(s.p95)} ${ms(s.max)}`);
  }
}

function printResults(m: Measurement): void {
  const all = printRefreshes(m);
  printQueries(m);
  const [freshnessRow] = m.freshness.rows;
  console.log(
    `\npipeline meanwhile: ${Math.round(m.storedPerSecond).toLocaleString('en-US')} events/s stored, lag at the end ${Object.values(m.lag).join('/')}, freshness last minute p50 ${freshnessRow?.[1]} ms p99 ${freshnessRow?.[3]} ms; widgets in error at the end: ${m.errors}`,
  );
  const loopMs = (n: number) => (n / 1e6).toFixed(0);
  console.log(
    `event loop delay of the twin's process (which serves the dashboard): p50 ${loopMs(m.loopDelay.percentile(50))} ms, p99 ${loopMs(m.loopDelay.percentile(99))} ms, max ${loopMs(m.loopDelay.max)} ms`,
  );
  console.log(`target: every refresh under ${TARGET_MS} ms -> ${all.max < TARGET_MS ? 'met' : `not met (max ${all.max.toFixed(0)} ms)`}`);
}

async function main(): Promise<void> {
  const store = await openStoreLocation();
  const twin = await startTwin({ pipeline: definePipeline({ partitions: PARTITIONS }), store: store.location });
  // As `tributary start` wires it: the dashboard reads through the twin's own store client.
  const server = await startDashboardServer({ store: twin.store, status: twinStatusSource(twin), port: 0 });
  const abort = new AbortController();
  let acknowledged = 0;
  const generator = runGenerator({
    generator: createTrafficGenerator({ seed: 2026 }),
    publisher: twin.publisher,
    topic: twin.pipeline.topics.raw.name,
    ratePerSecond: RATE,
    signal: abort.signal,
    onProgress: (p) => {
      acknowledged = p.acknowledged;
    },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    console.log(
      `dashboard latency: ${RATE.toLocaleString('en-US')} events/s into the twin (${twin.cluster.describe()}, ${PARTITIONS} partitions), store ${store.label}`,
    );
    await warmUp(twin, () => acknowledged);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    printResults(await measurePage(page, server.url, twin));
  } finally {
    abort.abort();
    await generator.catch(() => undefined);
    await browser.close();
    await server.close();
    // The database goes first: dropping it ends any query still running, which would otherwise
    // hold up the twin's store pool on close.
    await store.dispose();
    await twin.stop().catch(() => undefined);
  }
}

await main();
