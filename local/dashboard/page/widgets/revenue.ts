/** Revenue per minute by category over 30 minutes (the minute rollups answer it). */
import { cents, numberOf, seconds, sum, textOf } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { EMPTY_SERIES_COLOR, paletteColor } from '../colors.js';
import { setKpi, widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { LineChart } from '../line-chart.js';
import { legendItem } from '../list-items.js';
import { QUERIES } from '../settings.js';
import type { WidgetView } from './widget-view.js';

export function revenueWidget(): WidgetView {
  const w = widgetFrame('revenue-by-category');
  const chart = new LineChart(w.part('chart'), fmt.usdCompact);
  return {
    request: () => queryUrl(QUERIES.revenue.name, QUERIES.revenue.params),
    render(result) {
      const categories = result.columns.slice(1).map((c) => c.name);
      const xs = result.rows.map((row) => seconds(textOf(row[0])));
      // Categories with no revenue in the window (e.g. events without a product) are left out.
      const series = categories
        .map((category, i) => ({ label: category, values: result.rows.map((row) => numberOf(row[i + 1])) }))
        .filter((s) => s.values.some((v) => v > 0))
        .map((s, i) => ({ ...s, color: paletteColor(i) }));
      chart.draw(xs, series.length > 0 ? series : [{ label: 'revenue', color: EMPTY_SERIES_COLOR, values: xs.map(() => 0) }]);
      const totals = series.map((s) => cents(sum(s.values)));
      const total = cents(sum(series.map((s) => sum(s.values))));
      w.part('value').textContent = fmt.usd(total);
      w.part('legend').replaceChildren(
        ...series.map((s, i) => legendItem(`revenue-category-${s.label}`, s.label, s.color, totals[i] ?? 0, fmt.usd(totals[i] ?? 0))),
      );
      setKpi('revenue', fmt.usd(total));
      w.shown(total, fixedQueryUrl(result), result.asOf);
    },
    fail: w.fail,
  };
}
