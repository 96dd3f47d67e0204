/** Freshness (ingest to queryable) over the last minute: p50/p95/p99 tiles and a line of p50 and p99 per refresh. */
import { numberOf, numberOrNull, seconds } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { setKpi, showFigure, widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { LineChart } from '../line-chart.js';
import { Samples } from '../samples.js';
import { QUERIES } from '../settings.js';
import type { WidgetView } from './widget-view.js';

const TILES = [
  ['p50', 'p50_ms'],
  ['p95', 'p95_ms'],
  ['p99', 'p99_ms'],
] as const;

/** onP99 hears each p99 read, in ms (null when no event arrived). */
export function freshnessWidget(onP99: (p99Ms: number | null) => void): WidgetView {
  const w = widgetFrame('freshness');
  const chart = new LineChart(w.part('chart'), fmt.ms);
  const samples = new Samples();
  return {
    request: () => queryUrl(QUERIES.freshness.name, QUERIES.freshness.params),
    render(result) {
      const names = result.columns.map((c) => c.name);
      const row = result.rows[0] ?? [];
      const value = (name: string) => numberOrNull(row[names.indexOf(name)]);
      onP99(value('p99_ms'));
      for (const [role, name] of TILES) showFigure(w.part(role), fmt.ms(value(name)), value(name));
      const events = numberOf(value('events'));
      showFigure(w.part('events'), fmt.count(events), events);
      setKpi('p50', fmt.ms(value('p50_ms')));
      setKpi('p99', fmt.ms(value('p99_ms')));
      samples.add(seconds(result.asOf), { p50: value('p50_ms'), p99: value('p99_ms') });
      chart.draw(samples.xs(), [
        { label: 'p50', color: '#4cc2ff', values: samples.series('p50'), gaps: false },
        { label: 'p99', color: '#f5b849', values: samples.series('p99'), gaps: false },
      ]);
      w.shown(events, fixedQueryUrl(result), result.asOf);
    },
    fail: w.fail,
  };
}
