/**
 * Messages between the PGlite worker thread (pglite-worker.ts) and its client
 * (pglite-thread-client.ts). Values cross by structured clone, which keeps what PGlite returns for
 * our schema (Date, bigint, Uint8Array, plain objects and arrays, null) but not an Error's own
 * properties, so errors cross as TransferredError.
 */

export type PgliteRequest =
  /** A query outside any transaction, or inside the open transaction `tx`. */
  | { id: number; op: 'query'; text: string; params?: readonly unknown[]; tx?: number }
  /** Opens a transaction; the reply comes once BEGIN ran, its value is the transaction's id. */
  | { id: number; op: 'begin' }
  /** Commits or rolls back the open transaction `tx`. */
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'readOnlyQuery'; text: string; timeoutMs: number }
  | { id: number; op: 'close' };

export type PgliteReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: TransferredError };

/** First message of the worker: the database is open, or could not be opened. */
export type PgliteWorkerReady = { ready: true } | { ready: false; error: TransferredError };

export interface PgliteWorkerData {
  /** Data folder; in memory when omitted. */
  dataDir?: string;
}

/** An error's message, stack and primitive own properties (PostgreSQL's code, detail, constraint...). */
export interface TransferredError {
  message: string;
  stack?: string;
  properties: Record<string, string | number | boolean>;
}

export function transferError(error: unknown): TransferredError {
  if (!(error instanceof Error)) return { message: String(error), properties: {} };
  const properties: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') properties[key] = value;
  }
  return { message: error.message, stack: error.stack, properties };
}

/** An Error with the same message and properties as the one thrown in the worker. */
export function receiveError(transferred: TransferredError): Error {
  const error = new Error(transferred.message);
  Object.assign(error, transferred.properties);
  if (transferred.stack) error.stack = transferred.stack;
  return error;
}
