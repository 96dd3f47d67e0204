/**
 * The live dashboard in real headless Chromium (found where the platform keeps it, or named by
 * TRIBUTARY_BROWSER; see test/helpers/browser.ts) through playwright-core over
 * the local twin: embedded Kafka, the real PostgreSQL server, every stage. Generated traffic
 * flows while the page refreshes; then the pipeline drains, every widget draws a fresh answer,
 * and each number the page shows is checked against the query API asked the same question.
 * Saves a screenshot to test-results/dashboard.png (and, with UPDATE_SCREENSHOTS=1, to
 * docs/dashboard.png, the one in the README), then checks the message shown when the API goes away.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import { twinStatusSource } from '../../local/dashboard/twin-status-source.js';
import { GeneratorLedger } from '../../local/generator/generator-ledger.js';
import { runGenerator } from '../../local/generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import type { Cell, QueryResult } from '../../src/analytics/index.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { requireBrowser } from '../helpers/browser.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const EVENTS = 6_000;
const RATE = 150;
const SCREENSHOT = fileURLToPath(new URL('../../test-results/dashboard.png', import.meta.url));
const README_SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));
const WIDGETS = ['events-by-type', 'funnel', 'revenue-by-category', 'top-products', 'freshness', 'dlq', 'stages'] as const;

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

interface Shown {
  value: string;
  query: string;
  asOf: string;
}

interface Item {
  key: string;
  value: string;
  text: string;
  data: Record<string, string>;
}

describe('live dashboard in headless Chromium (twin on embedded Kafka and PostgreSQL)', () => {
  let store: TestStore;
  let twin: LocalTwin;
  let server: DashboardServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const ledger = new GeneratorLedger();
  const pageErrors: string[] = [];

  const api = async (path: string): Promise<QueryResult> => {
    const response = await fetch(new URL(path, server.url));
    expect(response.status, path).toBe(200);
    return (await response.json()) as QueryResult;
  };
  const widget = (name: string) => page.locator(`[data-widget="${name}"]`);
  const shown = (name: string): Promise<Shown> =>
    widget(name).evaluate((el: HTMLElement) => ({
      value: el.dataset.value ?? '',
      query: el.dataset.query ?? '',
      asOf: el.dataset.asOf ?? '',
    }));
  const items = (selector: string): Promise<Item[]> =>
    page.locator(selector).evaluateAll((els: HTMLElement[]) =>
      els.map((el) => ({
        key: el.dataset.key ?? '',
        value: el.dataset.value ?? '',
        text: el.textContent ?? '',
        data: { ...el.dataset } as Record<string, string>,
      })),
    );
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as the page shows it, which is what is checked
  const text = (selector: string) => page.locator(selector).innerText();

  beforeAll(async () => {
    // First, so a machine without a browser fails here with the install hint, having started nothing.
    const executablePath = requireBrowser();
    store = await postgresTestStore();
    twin = await startTwin({ pipeline: definePipeline({ name: 'dash', partitions: 3 }), store: { databaseUrl: store.url } });
    server = await startDashboardServer({ store: twin.store, status: twinStatusSource(twin), port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'tributary-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1400, height: 900 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
    await twin?.stop();
    await store?.dispose();
  });

  it('draws every widget from live traffic and shows what the query API answers', async () => {
    await page.goto(server.url);
    await expect.poll(() => text('[data-testid="last-refresh"]'), { timeout: 10_000 }).toMatch(/^Updated /);

    // Prepare: traffic while the page refreshes, then drain so every number is final.
    const generated = await runGenerator({
      generator: createTrafficGenerator({ seed: 77, invalidShare: 0.02, duplicateShare: 0.01 }),
      publisher: twin.publisher,
      topic: twin.pipeline.topics.raw.name,
      ratePerSecond: RATE,
      maxEvents: EVENTS,
      ledger,
    });
    expect(generated.acknowledged).toBe(EVENTS);
    expect(await twin.drain(90_000)).toBe(true);
    // Answers computed after the drain, and late enough that the events chart (which leaves out
    // its last 2 s as still settling) covers every event.
    const settledAt = new Date(Date.now() + 3_000).toISOString();
    await page.waitForFunction(
      ({ names, after }) =>
        names.every((name) => {
          const el = document.querySelector<HTMLElement>(`[data-widget="${name}"]`);
          return el?.dataset.ready === 'true' && (el.dataset.asOf ?? '') > after;
        }),
      { names: [...WIDGETS], after: settledAt },
      { timeout: 30_000, polling: 250 },
    );

    // Events per second by type: the page built its 5-minute series from many short reads; the
    // API, asked once for the same window, gives the same totals, and they are every stored event.
    const events = await shown('events-by-type');
    const eventsApi = await api(events.query);
    const typeTotals = new Map(eventsApi.columns.slice(1).map((c, i) => [c.name, sum(eventsApi.rows.map((r) => r[i + 1] ?? 0))]));
    const eventsTotal = sum([...typeTotals.values()]);
    const [stored] = await store.client.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(Number(events.value)).toBe(eventsTotal);
    expect(eventsTotal).toBe(stored?.n);
    expect(eventsTotal).toBe(ledger.totals().distinctValidEvents);
    expect(await text('[data-widget="events-by-type"] [data-role="value"]')).toBe(count.format(eventsTotal));
    const typeItems = await items('[data-widget="events-by-type"] [data-role="legend"] li');
    expect(Object.fromEntries(typeItems.map((i) => [i.key, Number(i.value)]))).toEqual(
      Object.fromEntries([...typeTotals].filter(([, n]) => n > 0)),
    );
    for (const item of typeItems) expect(item.text).toContain(count.format(Number(item.value)));

    // Revenue per minute by category.
    const revenue = await shown('revenue-by-category');
    const revenueApi = await api(revenue.query);
    const byCategory = revenueApi.columns
      .slice(1)
      .map((c, i) => [c.name, sum(revenueApi.rows.map((r) => r[i + 1] ?? 0))] as const)
      .filter(([, v]) => v > 0);
    const revenueItems = await items('[data-widget="revenue-by-category"] [data-role="legend"] li');
    expect(byCategory.length).toBeGreaterThan(3);
    expect(revenueItems.map((i) => i.key)).toEqual(byCategory.map(([k]) => k));
    byCategory.forEach(([, v], i) => {
      expect(Number(revenueItems[i]?.value)).toBeCloseTo(v, 2);
      expect(revenueItems[i]?.text).toContain(usd.format(v));
    });
    expect(Number(revenue.value)).toBeCloseTo(sum(byCategory.map(([, v]) => v)), 2);

    // Top products by revenue, in order.
    const top = await shown('top-products');
    const topApi = await api(top.query);
    const productItems = await items('[data-widget="top-products"] [data-role="list"] li');
    expect(topApi.rows.length).toBe(10);
    expect(productItems.map((i) => [i.key, Number(i.value)])).toEqual(topApi.rows.map((r) => [r[0], r[2]]));
    topApi.rows.forEach((r, i) => {
      expect(productItems[i]?.text).toContain(String(r[1]));
      expect(productItems[i]?.text).toContain(usd.format(Number(r[2])));
    });

    // Funnel: sessions per step and conversion from the step before.
    const funnel = await shown('funnel');
    const funnelApi = await api(funnel.query);
    const stepItems = await items('[data-widget="funnel"] [data-role="list"] li');
    expect(stepItems.map((i) => [i.key, Number(i.value), i.data.conversion === '' ? null : Number(i.data.conversion)])).toEqual(
      funnelApi.rows.map((r) => [r[1], r[2], r[3]]),
    );
    expect(funnelApi.rows[0]?.[2]).toBeGreaterThan(0);
    expect(funnelApi.rows[3]?.[2]).toBeGreaterThan(0);
    for (const [i, r] of funnelApi.rows.entries()) {
      expect(stepItems[i]?.text).toContain(count.format(Number(r[2])));
      if (r[3] !== null) expect(stepItems[i]?.text).toContain(percent.format(Number(r[3])));
    }
    expect(await text('[data-widget="funnel"] [data-role="value"]')).toBe(percent.format(Number(funnelApi.rows[3]?.[4])));

    // Freshness tiles.
    const freshness = await shown('freshness');
    const freshnessApi = await api(freshness.query);
    const figures = Object.fromEntries(freshnessApi.columns.map((c, i) => [c.name, freshnessApi.rows[0]?.[i] ?? null]));
    expect(Number(figures.events)).toBeGreaterThan(0);
    for (const role of ['p50', 'p95', 'p99'] as const) {
      const tile = page.locator(`[data-widget="freshness"] [data-role="${role}"]`);
      expect(Number(await tile.getAttribute('data-value'))).toBe(figures[`${role}_ms`]);
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as the page shows it, which is what is checked
      expect(await tile.innerText()).toBe(`${count.format(Number(figures[`${role}_ms`]))} ms`);
    }
    expect(await text('[data-widget="freshness"] [data-role="events"]')).toBe(count.format(Number(figures.events)));
    expect(Number(freshness.value)).toBe(figures.events);

    // DLQ by reason and stages, from the pipeline query (the twin's status source).
    const dlq = await shown('dlq');
    const pipelineApi = await api(dlq.query);
    const rows = pipelineApi.rows as [string, string, string, Cell][];
    const reasons = Object.fromEntries(rows.filter(([scope]) => scope === 'dlq').map(([, name, , value]) => [name, value]));
    const dlqItems = await items('[data-widget="dlq"] [data-role="list"] li');
    expect(Object.fromEntries(dlqItems.map((i) => [i.key, Number(i.value)]))).toEqual(reasons);
    expect(reasons).toEqual(ledger.totals().byReason);
    const dlqTotal = sum(Object.values(reasons));
    expect(Number(dlq.value)).toBe(dlqTotal);
    expect(await text('[data-widget="dlq"] [data-role="total"]')).toBe(count.format(dlqTotal));
    const ingested = rows.find(([scope, name, metric]) => scope === 'stage' && name === 'ingest' && metric === 'records_in')?.[3];
    expect(await text('[data-widget="dlq"] [data-role="share"]')).toBe(percent.format(dlqTotal / Number(ingested)));

    const stageRows = await items('[data-widget="stages"] [data-role="rows"] tr');
    const stageApi = (stage: string, metric: string) => rows.find(([s, n, m]) => s === 'stage' && n === stage && m === metric)?.[3];
    expect(stageRows.map((r) => r.key)).toEqual(['ingest', 'enrich', 'sink']);
    for (const r of stageRows) {
      expect([r.key, Number(r.data.in), Number(r.data.out), Number(r.data.dlq), Number(r.value)]).toEqual([
        r.key,
        stageApi(r.key, 'records_in'),
        stageApi(r.key, 'records_out'),
        stageApi(r.key, 'records_to_dlq'),
        stageApi(r.key, 'lag'),
      ]);
      expect(Number(r.value)).toBe(0);
    }
    expect(stageApi('sink', 'records_out')).toBe(eventsTotal);
    expect(await text('[data-kpi="stored"]')).toBe(count.format(eventsTotal));

    // Nothing went wrong on the page.
    expect(await page.locator('[data-testid="api-error"]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid="status-dot"]').getAttribute('data-state')).toBe('ok');
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(SCREENSHOT, README_SCREENSHOT);
  }, 240_000);

  it('says clearly when the query API cannot be reached, keeping the last figures', async () => {
    const before = await shown('events-by-type');
    await server.close();

    const banner = page.locator('[data-testid="api-error"]');
    await expect.poll(() => banner.isVisible(), { timeout: 10_000 }).toBe(true);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the text as the page shows it, which is what is checked
    expect(await banner.innerText()).toMatch(
      /^The dashboard server cannot be reached: is the twin still running\? Retrying every 2 s\. The figures shown are from \d\d:\d\d:\d\d\.$/,
    );
    expect(await page.locator('[data-testid="status-dot"]').getAttribute('data-state')).toBe('error');
    expect((await shown('events-by-type')).value).toBe(before.value);
  });
});

function sum(values: readonly (Cell | undefined)[]): number {
  return values.reduce<number>((total, v) => total + (typeof v === 'number' ? v : 0), 0);
}
