/** Reading the cells and times of a query answer, and the sums the widgets make of them. */
import type { Cell } from '../../../src/analytics/index.js';

/** A number cell; a missing or null one counts 0. */
export const numberOf = (cell: Cell | undefined): number => Number(cell ?? 0);
/** A number cell that may be empty (a figure not known). */
export const numberOrNull = (cell: Cell | undefined): number | null => (cell === null || cell === undefined ? null : Number(cell));
export const textOf = (cell: Cell | undefined): string => (cell === null || cell === undefined ? '' : String(cell));

/** Epoch seconds of an ISO time. */
export const seconds = (iso: string): number => Date.parse(iso) / 1000;
export const isoOf = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();
/** Sum, counting null as 0. */
export const sum = (values: readonly (number | null | undefined)[]): number => values.reduce<number>((a, b) => a + (b ?? 0), 0);
export const cents = (n: number): number => Math.round(n * 100) / 100;
