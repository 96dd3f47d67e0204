/**
 * The files the dashboard page is made of: its own (public/, and its script bundled from page/)
 * and uPlot's, served straight from node_modules. Paths are resolved from this module, never the
 * working directory; the set is fixed, so a request can never name a file outside it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dashboardPageScript } from './page-bundle.js';

export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const html = 'text/html; charset=utf-8';
const js = 'text/javascript; charset=utf-8';
const css = 'text/css; charset=utf-8';

/** URL path -> file. */
function assetFiles(): Record<string, { file: string; contentType: string }> {
  const require = createRequire(import.meta.url);
  const publicFile = (name: string) => fileURLToPath(new URL(`./public/${name}`, import.meta.url));
  return {
    '/': { file: publicFile('index.html'), contentType: html },
    '/index.html': { file: publicFile('index.html'), contentType: html },
    '/assets/dashboard.css': { file: publicFile('dashboard.css'), contentType: css },
    '/assets/uPlot.iife.min.js': { file: require.resolve('uplot/dist/uPlot.iife.min.js'), contentType: js },
    '/assets/uPlot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), contentType: css },
  };
}

/** Reads every asset once (they are small), so serving one is a map lookup. */
export async function loadDashboardAssets(): Promise<ReadonlyMap<string, Asset>> {
  const [entries, script] = await Promise.all([
    Promise.all(
      Object.entries(assetFiles()).map(
        async ([path, { file, contentType }]) => [path, { contentType, body: await readFile(file) }] as const,
      ),
    ),
    dashboardPageScript(),
  ]);
  return new Map([...entries, ['/assets/dashboard.js', { contentType: js, body: script }]]);
}
