/** How often the page asks, how far back it reads, and the questions its widgets ask. */
import type { QueryName, RawParams } from '../../../src/analytics/index.js';

export const REFRESH_MS = 2000;
/** Conversion over 5 minutes moves slowly; asking for it less often leaves each refresh less to do. */
export const FUNNEL_EVERY_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;
/** The events-per-second chart covers this many seconds. */
export const EVENTS_WINDOW_S = 300;
/** Shortest stretch of the events chart read again on each refresh, for events still arriving. */
export const MIN_TAIL_S = 15;
/** Seconds at the end of the events chart left out because their events are still arriving. */
export const SETTLING_S = 2;
/** Samples kept for lines drawn from successive refreshes: 5 minutes. */
export const SAMPLES_KEPT = 150;

export interface NamedQuestion {
  readonly name: QueryName;
  readonly params: RawParams;
}

export const QUERIES = {
  revenue: { name: 'timeseries', params: { metric: 'revenue_usd', bucket: '1m', split: 'category', series: '10', last: '30m' } },
  // revenue_usd is set on purchases only, so reading purchases gives the same ranking from far fewer rows.
  topProducts: { name: 'top', params: { dimension: 'sku', metric: 'revenue_usd', event_type: 'purchase', n: '10', last: '15m' } },
  funnel: { name: 'funnel', params: { by: 'session', last: '5m' } },
  freshness: { name: 'freshness', params: { last: '1m' } },
  pipeline: { name: 'pipeline', params: { last: '5m' } },
  orders: { name: 'orders', params: { last: '1h' } },
} as const satisfies Record<string, NamedQuestion>;
