/**
 * uPlot, which its own script tag (/assets/uPlot.iife.min.js, from the npm package) loads before
 * this one as the global `uPlot`; typed with the package's own declarations.
 */
import type UPlot from 'uplot';

/** The uPlot constructor, or undefined when its script did not load. */
export function loadedUPlot(): typeof UPlot | undefined {
  return (globalThis as { uPlot?: typeof UPlot }).uPlot;
}
