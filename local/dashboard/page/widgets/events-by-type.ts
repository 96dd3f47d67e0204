/**
 * Events per second by type, 1 s buckets over 5 minutes. Reading 5 minutes of raw events every
 * 2 s would cost O(events); after the first read only a tail is asked again, long enough to
 * cover events still in flight (twice the freshness p99 plus 10 s, at least 15 s).
 */
import type { QueryResult } from '../../../../src/analytics/index.js';
import { isoOf, numberOf, seconds, sum, textOf } from '../answer-cells.js';
import { queryUrl } from '../api-client.js';
import { EMPTY_SERIES_COLOR, typeColor } from '../colors.js';
import { setKpi, widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { LineChart, type LineSeries } from '../line-chart.js';
import { legendItem } from '../list-items.js';
import { EVENTS_WINDOW_S, MIN_TAIL_S, SETTLING_S } from '../settings.js';
import type { WidgetView } from './widget-view.js';

/** epoch s -> (event type -> events) */
type Buckets = Map<number, Map<string, number>>;

const BASE = { bucket: '1s', split: 'event_type', series: '20' } as const;

export interface EventsByTypeView extends WidgetView {
  /** Sets how far back each read reaches, from the freshness p99 in ms. */
  setTail(p99Ms: number | null): void;
}

export function eventsByTypeWidget(): EventsByTypeView {
  const w = widgetFrame('events-by-type');
  const chart = new LineChart(w.part('chart'), fmt.count);
  const buckets: Buckets = new Map();
  let answeredTo: number | null = null; // epoch s, exclusive: the `to` of the latest answer
  let tailSeconds = MIN_TAIL_S;
  return {
    setTail(p99Ms) {
      tailSeconds = Math.min(EVENTS_WINDOW_S, Math.max(MIN_TAIL_S, Math.ceil((2 * (p99Ms ?? 0)) / 1000) + 10));
    },
    request() {
      const nowS = Math.floor(Date.now() / 1000);
      const from =
        answeredTo === null || nowS - answeredTo > EVENTS_WINDOW_S - tailSeconds
          ? nowS - EVENTS_WINDOW_S - SETTLING_S - 1
          : answeredTo - tailSeconds;
      return queryUrl('timeseries', { ...BASE, from: isoOf(from) });
    },
    render(result) {
      mergeAnswer(buckets, result);
      answeredTo = seconds(String(result.params.to));
      // The last seconds are still filling up (events in flight): the chart stops before them.
      const windowEnd = answeredTo - SETTLING_S;
      const start = windowEnd - EVENTS_WINDOW_S;
      for (const t of buckets.keys()) if (t < start) buckets.delete(t);

      const xs: number[] = [];
      for (let t = start; t < windowEnd; t++) xs.push(t);
      const { totals, series } = seriesByType(buckets, xs);
      chart.draw(xs, series.length > 0 ? series : [{ label: 'events', color: EMPTY_SERIES_COLOR, values: xs.map(() => 0) }]);

      const total = sum([...totals.values()]);
      w.part('value').textContent = fmt.count(total);
      w.part('legend').replaceChildren(
        ...series.map((s) => {
          const n = totals.get(s.label) ?? 0;
          return legendItem(`events-type-${s.label}`, s.label, s.color, n, fmt.count(n));
        }),
      );
      setKpi('rate', fmt.rate(eventsInLast(buckets, windowEnd, 10) / 10));
      w.shown(total, queryUrl('timeseries', { ...BASE, from: isoOf(start), to: isoOf(windowEnd) }), result.asOf);
    },
    fail: w.fail,
  };
}

/** Puts an answer's rows (bucket, then one column per type) into the buckets, replacing those it covers. */
function mergeAnswer(buckets: Buckets, result: QueryResult): void {
  const keys = result.columns.slice(1).map((c) => c.name);
  for (const row of result.rows) {
    buckets.set(seconds(textOf(row[0])), new Map(keys.map((key, i) => [key, numberOf(row[i + 1])])));
  }
}

/** Events per type over the seconds xs, and a line per type that has any, largest first. */
function seriesByType(buckets: Buckets, xs: readonly number[]): { totals: Map<string, number>; series: LineSeries[] } {
  const totals = new Map<string, number>();
  for (const t of xs) for (const [key, n] of buckets.get(t) ?? []) totals.set(key, (totals.get(key) ?? 0) + n);
  const types = [...totals.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k]) => k);
  const series = types.map((type, i) => ({
    label: type,
    color: typeColor(type, i),
    values: xs.map((t) => buckets.get(t)?.get(type) ?? 0),
  }));
  return { totals, series };
}

/** Events in the `span` seconds before `end`. */
function eventsInLast(buckets: Buckets, end: number, span: number): number {
  let recent = 0;
  for (let t = end - span; t < end; t++) for (const n of buckets.get(t)?.values() ?? []) recent += n;
  return recent;
}
