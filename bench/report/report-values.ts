/** How the report writes numbers, ratios, prices and store names, shared by the text and the chart. */

import { type ProbeResult, type SearchResult, STORE_KINDS, type StoreKind } from '../model/bench-results.js';
import type { BenchReport } from './bench-report.js';

export const STORE_NAMES: Record<StoreKind, string> = { postgres: 'PostgreSQL', pglite: 'PGlite' };

/** A whole number with thousands separators, or '-'. */
export const n = (v: number | undefined | null) => (v === undefined || v === null ? '-' : Math.round(v).toLocaleString('en-US'));

/** a / b as "0.44x", or '-'. */
export const x = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '-');

export const usd = (v: number) => `$${v < 0.01 ? v.toFixed(5) : v.toFixed(3)}`;

/** One table row: the first cell left-aligned, the others right-aligned. */
export function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}

/** The held probe at the sustained rate. */
export function heldProbe(search: SearchResult): ProbeResult | undefined {
  return search.probes.filter((p) => p.held && p.rate === search.sustainedRate).at(-1);
}

export function measuredStores(report: BenchReport): StoreKind[] {
  return STORE_KINDS.filter((s) => report.pipelines[s] || report.stores[s]);
}

/** Column widths of the per-store tables. */
export function storeColumns(stores: readonly StoreKind[]): number[] {
  return [34, ...stores.map(() => 24)];
}
