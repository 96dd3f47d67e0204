/*
 * Tributary live dashboard: asks the named-query API of this server every 2 s and draws the
 * widgets with uPlot (charts) and plain HTML (bars, tables). Every widget shows its numbers as
 * text and exposes them for tests: data-ready="true" once it has drawn an answer, data-value
 * (its headline number), data-query (the same question with its window fixed, so asking it again
 * gives the same answer), and data-key / data-value on each item it lists.
 * The server bundles this module and its imports into /assets/dashboard.js (page-bundle.ts).
 */
import { requireElement } from './dom.js';
import { startRefreshLoop } from './refresh-loop.js';
import { FUNNEL_EVERY_MS, REFRESH_MS } from './settings.js';
import { loadedUPlot } from './uplot-global.js';
import { eventsByTypeWidget } from './widgets/events-by-type.js';
import { freshnessWidget } from './widgets/freshness.js';
import { funnelWidget } from './widgets/funnel.js';
import { ordersWidget } from './widgets/orders.js';
import { pipelineWidgets } from './widgets/pipeline.js';
import { revenueWidget } from './widgets/revenue.js';
import { topProductsWidget } from './widgets/top-products.js';

function start(): void {
  const events = eventsByTypeWidget();
  startRefreshLoop([
    { view: events, everyMs: REFRESH_MS },
    { view: revenueWidget(), everyMs: REFRESH_MS },
    { view: topProductsWidget(), everyMs: REFRESH_MS },
    { view: funnelWidget(), everyMs: FUNNEL_EVERY_MS },
    { view: freshnessWidget((p99) => events.setTail(p99)), everyMs: REFRESH_MS },
    { view: pipelineWidgets(), everyMs: REFRESH_MS },
    { view: ordersWidget(), everyMs: REFRESH_MS },
  ]);
}

if (loadedUPlot() === undefined) {
  const banner = requireElement('[data-testid="api-error"]');
  banner.textContent = 'The charting library did not load; reload the page.';
  banner.hidden = false;
} else {
  start();
}
