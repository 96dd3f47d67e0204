/**
 * Worker threads running a TypeScript module of this repository (today the PGlite store).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const TSX_CJS_API = createRequire(import.meta.url).resolve('tsx/cjs/api');

/**
 * Starts a worker thread on `module` (a .ts file URL). Node 20 does not run module hooks (tsx's
 * `--import tsx`) in worker threads (nodejs/node#47747), so the thread starts from a CommonJS line
 * that registers tsx's require hook: the module and its imports are compiled to CommonJS there (no
 * top-level await in them), and packages load their CommonJS builds. execArgv is emptied so the
 * thread does not inherit the tsx CLI's ESM loader flags.
 */
export function startTypeScriptWorker(module: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const bootstrap = [`require(${JSON.stringify(TSX_CJS_API)}).register();`, `require(${JSON.stringify(fileURLToPath(module))});`].join(
    '\n',
  );
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}
