/**
 * PGlite adapter of the store port with the database in a worker thread (pglite-worker.ts): the
 * local twin's default store. PGlite computes synchronously, so in-process its CPU time blocks the
 * event loop that also runs the stages and Kafka clients; in a worker it uses another core.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type SqlClient, type SqlQueryable, StoreUnavailableError } from '../../src/store/sql-client.js';
import {
  type PgliteReply,
  type PgliteRequest,
  type PgliteWorkerData,
  type PgliteWorkerReady,
  receiveError,
} from './pglite-thread-protocol.js';

// Node 20 does not run module hooks (tsx's `--import tsx`) in worker threads (nodejs/node#47747),
// so the worker starts from a CommonJS line that registers tsx's require hook: the worker's
// TypeScript is compiled to CommonJS there, and PGlite's CommonJS build is loaded. execArgv is
// emptied so the thread does not inherit the tsx CLI's ESM loader flags.
const WORKER_BOOTSTRAP = [
  `require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}).register();`,
  `require(${JSON.stringify(fileURLToPath(new URL('./pglite-worker.ts', import.meta.url)))});`,
].join('\n');

/** A request before it is numbered (Omit over each member of the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Opens (creating if needed) an embedded database in dataDir, in memory when omitted, in a new worker thread. */
export async function createPgliteThreadClient(dataDir?: string): Promise<SqlClient> {
  const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, execArgv: [], workerData: { dataDir } satisfies PgliteWorkerData });
  try {
    await opened(worker);
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const thread = new WorkerRequests(worker);
  const query = <Row>(text: string, params?: readonly unknown[], tx?: number) =>
    thread.request({ op: 'query', text, params, tx }) as Promise<Row[]>;
  return {
    kind: 'pglite',
    query,
    async transaction(fn) {
      const tx = (await thread.request({ op: 'begin' })) as number;
      const queryable: SqlQueryable = { query: (text, params) => query(text, params, tx) };
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(queryable);
      } catch (error) {
        await thread.request({ op: 'end', tx, commit: false }).catch(() => {});
        throw error;
      }
      await thread.request({ op: 'end', tx, commit: true });
      return result;
    },
    readOnlyQuery: (text, timeoutMs) =>
      thread.request({ op: 'readOnlyQuery', text, timeoutMs }) as Promise<{ columns: string[]; rows: Record<string, unknown>[] }>,
    close: () => thread.close(),
  };
}

/** Resolves when the worker has opened the database; rejects with why it could not. */
function opened(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const onExit = (code: number) => reject(new Error(`the PGlite worker exited (code ${code}) before opening the database`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (message: PgliteWorkerReady) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (message.ready) resolve();
      else reject(receiveError(message.error));
    });
  });
}

/** Requests to the worker, each answered by the reply with its id. */
class WorkerRequests {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  /** Set once the worker has exited: what later requests are refused with. */
  #gone: Error | undefined;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(worker: Worker) {
    this.#worker = worker;
    // Idle, the worker does not keep the process alive (as in-process PGlite would not); it does
    // while a request is pending.
    worker.unref();
    worker.on('message', (reply: PgliteReply) => this.#settle(reply));
    worker.on('error', (error) => {
      this.#failure = error;
    });
    worker.on('exit', (code) => {
      this.#gone = this.#closing
        ? new Error('PGlite is closed')
        : new StoreUnavailableError(`the PGlite worker exited (code ${code})`, { cause: this.#failure });
      for (const { reject } of this.#pending.values()) reject(this.#gone);
      this.#pending.clear();
    });
  }

  request(message: WithoutId<PgliteRequest>): Promise<unknown> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    try {
      this.#worker.postMessage({ ...message, id });
    } catch (error) {
      // A parameter structured clone cannot copy (a function, a symbol...).
      return Promise.reject(error);
    }
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  #settle(reply: PgliteReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(receiveError(reply.error));
  }

  /** Closes the database (after the requests already sent), then ends the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (!this.#gone) await this.request({ op: 'close' });
      } finally {
        await this.#worker.terminate();
        this.#gone ??= new Error('PGlite is closed');
      }
    })();
    return this.#closing;
  }
}
