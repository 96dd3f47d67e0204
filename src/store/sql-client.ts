/**
 * The store port: the little the pipeline needs from PostgreSQL. Adapters: node-postgres (any
 * PostgreSQL, Aurora on AWS) and PGlite (embedded). All SQL lives above this port, written once.
 */

export interface SqlQueryable {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlClient extends SqlQueryable {
  /** Which adapter this is, for messages and benchmarks. */
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs ONE statement of untrusted SQL in a read-only transaction that is rolled back, with a
   * statement timeout: writes are refused by PostgreSQL itself, and the extended protocol refuses
   * a second statement smuggled after a semicolon.
   */
  readOnlyQuery(text: string, timeoutMs: number): Promise<{ columns: string[]; rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** The store could not be reached or failed for a reason that may pass: retrying may succeed. */
export class StoreUnavailableError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
