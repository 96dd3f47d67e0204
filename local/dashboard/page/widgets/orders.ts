/** Shop orders (mirrored by change data capture) by status; the note gives confirmed revenue. */
import { numberOf, sum, textOf } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { showNote, widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { barItem, emptyItem } from '../list-items.js';
import { QUERIES } from '../settings.js';
import type { WidgetView } from './widget-view.js';

export function ordersWidget(): WidgetView {
  const w = widgetFrame('orders');
  return {
    request: () => queryUrl(QUERIES.orders.name, QUERIES.orders.params),
    render(result) {
      // Rows: status, orders, value in USD, confirmed.
      const counts = result.rows.map((row) => numberOf(row[1]));
      const max = Math.max(0, ...counts);
      const total = sum(counts);
      const items = result.rows.map(([statusCell, ordersCell, valueCell]) => {
        const status = textOf(statusCell);
        const orders = numberOf(ordersCell);
        return barItem(
          `orders-${status}`,
          status,
          status,
          orders,
          `${fmt.count(orders)} · ${fmt.usd(numberOf(valueCell))}`,
          max > 0 ? orders / max : 0,
        );
      });
      w.part('list').replaceChildren(
        ...(total > 0 ? items : [emptyItem('No shop orders in the last hour (is change data capture running?).')]),
      );
      showNote(w.part('note'), result.notes);
      w.shown(total, fixedQueryUrl(result), result.asOf);
    },
    fail: w.fail,
  };
}
