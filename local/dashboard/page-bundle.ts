/**
 * The dashboard page's script: the TypeScript modules of page/, bundled by esbuild into one
 * browser script when the server starts, once per process (a few tens of milliseconds), so
 * `npm start` needs no build step and the served script is always the source's.
 * Imports of the server's types vanish in the bundle; uPlot stays a separate script (a global).
 */
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';
import { memoiseUntilFailure } from '../../src/async/memoise-until-failure.js';

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

const bundled = memoiseUntilFailure(() => bundlePage());

/** The bundled page script, built on the first call and kept (a failed build is tried again). */
export function dashboardPageScript(): Promise<Buffer> {
  return bundled.get();
}

async function bundlePage(): Promise<Buffer> {
  try {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      charset: 'utf8',
      write: false,
      logLevel: 'silent',
    });
    const [script] = result.outputFiles;
    if (!script) throw new Error('esbuild wrote no dashboard script');
    return Buffer.from(script.contents);
  } finally {
    // Ends esbuild's service process, which would otherwise live as long as the server's process.
    await stop();
  }
}
