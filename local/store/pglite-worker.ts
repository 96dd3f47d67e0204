/**
 * Worker thread owning one PGlite database (started by pglite-thread-client.ts): PostgreSQL in WASM
 * runs synchronously, so here its CPU time is off the main thread's event loop. Requests are handled
 * as they arrive; PGlite itself serialises them, and a query outside a transaction waits while one
 * is open.
 */
import { mkdirSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { runPgliteQuery, runPgliteReadOnlyQuery } from './pglite-queries.js';
import {
  type PgliteReply,
  type PgliteRequest,
  type PgliteWorkerData,
  type PgliteWorkerReady,
  transferError,
} from './pglite-thread-protocol.js';

if (!parentPort) throw new Error('pglite-worker.ts runs as a worker thread (see pglite-thread-client.ts)');
const port = parentPort;
const { dataDir } = workerData as PgliteWorkerData;

/** A transaction held open while the client's callback runs on the main thread. */
interface OpenTransaction {
  tx: Transaction;
  /** Commits or rolls back; settles when PGlite has. */
  end(commit: boolean): Promise<void>;
}

const transactions = new Map<number, OpenTransaction>();

/** Opens a transaction named by the request id; resolves with that id once BEGIN has run. */
function begin(db: PGlite, id: number): Promise<number> {
  return new Promise((opened, failedToOpen) => {
    let decide: (commit: boolean) => void = () => {};
    const decided = new Promise<boolean>((resolve) => {
      decide = resolve;
    });
    const finished: Promise<void> = db.transaction(async (tx) => {
      transactions.set(id, {
        tx,
        end(commit) {
          transactions.delete(id);
          decide(commit);
          return finished;
        },
      });
      opened(id);
      // Rolled back here, PGlite does not COMMIT when the callback returns.
      if (!(await decided)) await tx.rollback();
    });
    // Before the transaction opened this fails the begin request; after, end() reports it.
    finished.catch(failedToOpen);
  });
}

function openTransaction(id: number): OpenTransaction {
  const open = transactions.get(id);
  if (!open) throw new Error('Transaction is closed');
  return open;
}

async function perform(db: PGlite, request: PgliteRequest): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return runPgliteQuery(request.tx === undefined ? db : openTransaction(request.tx).tx, request.text, request.params);
    case 'begin':
      return begin(db, request.id);
    case 'end':
      return openTransaction(request.tx).end(request.commit);
    case 'readOnlyQuery':
      return runPgliteReadOnlyQuery(db, request.text, request.timeoutMs);
    case 'close':
      return db.close();
  }
}

function answer(id: number, work: Promise<unknown>): void {
  work.then(
    (value) => reply({ id, ok: true, value }),
    (error: unknown) => reply({ id, ok: false, error: transferError(error) }),
  );
}

function reply(message: PgliteReply): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // A value structured clone cannot copy: the caller gets the DataCloneError.
    port.postMessage({ id: message.id, ok: false, error: transferError(error) } satisfies PgliteReply);
  }
}

// No top-level await: this module is compiled to CommonJS (see pglite-thread-client.ts).
async function open(): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return PGlite.create(dataDir);
}

open().then(
  (db) => {
    port.on('message', (request: PgliteRequest) => answer(request.id, perform(db, request)));
    port.postMessage({ ready: true } satisfies PgliteWorkerReady);
  },
  (error: unknown) => port.postMessage({ ready: false, error: transferError(error) } satisfies PgliteWorkerReady),
);
