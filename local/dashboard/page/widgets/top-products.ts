/** The products with the most revenue over 15 minutes, as bars. */
import { numberOf, textOf } from '../answer-cells.js';
import { fixedQueryUrl, queryUrl } from '../api-client.js';
import { widgetFrame } from '../dom.js';
import { fmt } from '../format.js';
import { barItem, emptyItem } from '../list-items.js';
import { QUERIES } from '../settings.js';
import type { WidgetView } from './widget-view.js';

export function topProductsWidget(): WidgetView {
  const w = widgetFrame('top-products');
  return {
    request: () => queryUrl(QUERIES.topProducts.name, QUERIES.topProducts.params),
    render(result) {
      // Rows: sku, product name (null when unknown), revenue.
      const max = Math.max(0, ...result.rows.map((row) => numberOf(row[2])));
      const items = result.rows.map(([skuCell, nameCell, revenueCell]) => {
        const sku = textOf(skuCell);
        const revenue = numberOf(revenueCell);
        const name = typeof nameCell === 'string' ? nameCell : sku;
        return barItem(`product-${sku}`, sku, name, revenue, fmt.usd(revenue), max > 0 ? revenue / max : 0);
      });
      w.part('list').replaceChildren(...(items.length > 0 ? items : [emptyItem('No purchases in the last 15 minutes.')]));
      w.shown(result.rows.length, fixedQueryUrl(result), result.asOf);
    },
    fail: w.fail,
  };
}
