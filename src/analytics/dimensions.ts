import type { RollupTable } from './metrics.js';

/**
 * The allow-list of dimensions: request names mapped to SQL columns. Only these identifiers ever
 * reach SQL; request values are bound parameters.
 */

export interface DimensionSpec {
  /** Column in `events` (and in `metrics_minute` when inRollup). */
  readonly column: string;
  /** Kept in metrics_minute ('' when missing), so rollups can answer for it. */
  readonly inRollup: boolean;
  /** A rollup of its own keyed by this dimension (product_minute for sku). */
  readonly ownRollup?: 'product_minute';
}

export const DIMENSIONS = {
  event_type: { column: 'event_type', inRollup: true },
  category: { column: 'category', inRollup: true },
  country: { column: 'country', inRollup: true },
  device_class: { column: 'device_class', inRollup: true },
  sku: { column: 'sku', inRollup: false, ownRollup: 'product_minute' },
  browser: { column: 'browser', inRollup: false },
  os: { column: 'os', inRollup: false },
} as const satisfies Record<string, DimensionSpec>;

export type Dimension = keyof typeof DIMENSIONS;

export const TOP_DIMENSIONS = Object.keys(DIMENSIONS) as [Dimension, ...Dimension[]];

/** Dimensions a time series may be split by: those the rollups keep. */
export const SPLIT_DIMENSIONS = ['event_type', 'category', 'country', 'device_class'] as const satisfies readonly Dimension[];
export type SplitDimension = (typeof SPLIT_DIMENSIONS)[number];

/** Label of the series or row for events that lack the dimension. */
export const MISSING_DIMENSION_LABEL = '(none)';

/** SQL giving the dimension as text, '' when missing, for the table read. */
export function dimensionKeySql(dimension: Dimension, table: 'events' | RollupTable): string {
  const { column } = DIMENSIONS[dimension];
  // ::text also drops the blank padding of char(n) columns such as country.
  return table === 'events' ? `coalesce(${column}::text, '')` : column;
}
