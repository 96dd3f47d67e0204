/** The colours series are drawn in: fixed per event type and stage, else from a palette by position. */

const TYPE_COLORS: Readonly<Record<string, string>> = {
  page_view: '#5c8dd6',
  product_view: '#4cc2ff',
  search: '#b48cff',
  add_to_cart: '#f5b849',
  checkout: '#ff9f6e',
  purchase: '#3ecf8e',
};
const PALETTE = ['#4cc2ff', '#3ecf8e', '#f5b849', '#b48cff', '#f26d6d', '#5fd3c4', '#ff9f6e', '#8aa4ff', '#e58fd8', '#c6d46e'] as const;
const STAGE_COLORS: Readonly<Record<string, string>> = { ingest: '#4cc2ff', enrich: '#b48cff', sink: '#3ecf8e' };

/** The colour of an empty chart's placeholder line. */
export const EMPTY_SERIES_COLOR = '#5c6678';

export const paletteColor = (i: number): string => PALETTE[i % PALETTE.length] as string;
export const typeColor = (type: string, i: number): string => TYPE_COLORS[type] ?? paletteColor(i);
export const stageColor = (stage: string, i: number): string => STAGE_COLORS[stage] ?? paletteColor(i);
