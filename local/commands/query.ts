/**
 * `tributary query <name> [key=value ...]` runs a named analytics query against the local store and
 * prints a table (or --json); `tributary query --sql "<select>"` runs one read-only statement.
 */

import { AnalyticsError } from '../../src/analytics/errors.js';
import { QUERY_NAMES, runNamedQuery } from '../../src/analytics/index.js';
import { CliUsageError } from '../cli-error.js';
import { openPreparedStore } from './prepared-store.js';
import { formatTable } from './table-format.js';

export interface QueryOptions {
  sql?: string;
  json?: boolean;
  dataDir?: string;
  limit?: string;
}

const SQL_TIMEOUT_MS = 30_000;

function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliUsageError(`parameter "${pair}" is not key=value (e.g. window=15m)`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

export async function queryCommand(name: string | undefined, pairs: string[], options: QueryOptions): Promise<void> {
  if (options.sql === undefined && name === undefined) {
    throw new CliUsageError(`name a query (${QUERY_NAMES.join(', ')}) or pass --sql "<select>"`);
  }
  if (options.sql !== undefined && name !== undefined) throw new CliUsageError('give either a query name or --sql, not both');
  const limit = Number(options.limit ?? '1000');
  if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a positive integer, got "${options.limit}"`);
  const params = parseParams(pairs);
  const store = await openPreparedStore({ dataDir: options.dataDir });
  try {
    let columns: string[];
    let rows: unknown[][];
    let notes: string[] = [];
    if (options.sql !== undefined) {
      let result: Awaited<ReturnType<typeof store.client.readOnlyQuery>>;
      try {
        result = await store.client.readOnlyQuery(options.sql, SQL_TIMEOUT_MS);
      } catch (error) {
        // PostgreSQL's own words: "cannot execute INSERT in a read-only transaction", syntax errors...
        throw new CliUsageError(`query refused: ${(error as Error).message}`);
      }
      columns = result.columns;
      rows = result.rows.map((row) => columns.map((c) => row[c]));
    } else {
      try {
        const result = await runNamedQuery(store.client, name as string, params);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        columns = result.columns.map((c) => c.name);
        rows = result.rows;
        notes = result.notes;
      } catch (error) {
        if (error instanceof AnalyticsError) throw new CliUsageError(error.message);
        throw error;
      }
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ columns, rows: rows.slice(0, limit) }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${formatTable(columns, rows.slice(0, limit))}\n`);
    if (rows.length > limit) notes.push(`showing ${limit} of ${rows.length} rows (--limit)`);
    for (const note of notes) process.stderr.write(`note: ${note}\n`);
  } finally {
    await store.client.close();
  }
}
