/** Sessions at each funnel step over 5 minutes, and the conversion from the step before. */
import type { Cell } from '../../../../src/analytics/index.js';
import { numberOf, numberOrNull, textOf } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { el, widgetFrame } from '../dom.js';
import { clock, fmt } from '../format.js';
import { FUNNEL_EVERY_MS, QUERIES } from '../settings.js';
import type { WidgetView } from './widget-view.js';

export function funnelWidget(): WidgetView {
  const w = widgetFrame('funnel');
  return {
    request: () => queryUrl(QUERIES.funnel.name, QUERIES.funnel.params),
    render(result) {
      const first = numberOf(result.rows[0]?.[2]);
      w.part('list').replaceChildren(...result.rows.map((row) => stepItem(row, first)));
      const overall = numberOrNull(result.rows[result.rows.length - 1]?.[4]);
      w.part('value').textContent = fmt.pct(overall);
      w.part('asof').textContent =
        `Each session's first time at each step, kept by the sink; every ${FUNNEL_EVERY_MS / 1000} s; as of ${clock.format(new Date(result.asOf))}.`;
      w.shown(overall, fixedQueryUrl(result), result.asOf);
    },
    fail: w.fail,
  };
}

/** One step (row: step, event type, count, conversion from the step before, from the first); its bar is relative to the first step. */
function stepItem(row: readonly Cell[], first: number): HTMLLIElement {
  const step = numberOf(row[0]);
  const type = textOf(row[1]);
  const count = numberOf(row[2]);
  const fromPrevious = numberOrNull(row[3]);
  return el(
    'li',
    { testId: `funnel-${type}`, data: { key: type, value: count, conversion: fromPrevious ?? '' } },
    el('span', { className: 'step' }, `${step}. ${type.replaceAll('_', ' ')}`),
    el('span', { className: 'count' }, fmt.count(count)),
    el(
      'span',
      { className: 'track' },
      el('span', { className: 'fill', style: { width: `${first > 0 ? ((count / first) * 100).toFixed(1) : 0}%` } }),
    ),
    el('span', { className: 'conversion' }, step === 1 ? 'sessions that viewed a product' : `${fmt.pct(fromPrevious)} of the step before`),
  );
}
