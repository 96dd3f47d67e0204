/**
 * `tributary query <name> [key=value ...]` runs a named analytics query against the local store and
 * prints a table (or --json); `tributary query --sql "<select>"` runs one read-only statement.
 * While a twin serves the store, both go through its HTTP API (the twin owns the store, and
 * answers in milliseconds with its live pipeline status); otherwise the store is opened here.
 */

import { AnalyticsError } from '../../src/analytics/errors.js';
import type { QueryResult } from '../../src/analytics/index.js';
import { CliUsageError } from '../cli-error.js';
import type { TwinApiClient } from '../twin/twin-api-client.js';
import { accessStoreForReading, twinServing } from './store-access.js';
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
    if (eq <= 0)
      throw new CliUsageError(
        `parameter "${pair}" is not key=value (e.g. last=15m); \`tributary query --help\` lists each query's parameters`,
      );
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

export async function queryCommand(name: string | undefined, pairs: string[], options: QueryOptions): Promise<void> {
  if (options.sql === undefined && name === undefined) {
    throw new CliUsageError('name a query (`tributary query --help` lists them) or pass --sql "<select>"');
  }
  if (options.sql !== undefined && name !== undefined) throw new CliUsageError('give either a query name or --sql, not both');
  const limit = Number(options.limit ?? '1000');
  if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a positive integer, got "${options.limit}"`);
  const params = parseParams(pairs);
  const location = { dataDir: options.dataDir };
  if (name !== undefined && !twinServing(location)) {
    // Checked before the store opens (seconds for PGlite): a wrong parameter is refused at once.
    const { prepareNamedQuery } = await import('../../src/analytics/index.js');
    try {
      prepareNamedQuery(name, params);
    } catch (error) {
      if (error instanceof AnalyticsError) throw new CliUsageError(error.message);
      throw error;
    }
  }
  const access = await accessStoreForReading('tributary query', location);
  let columns: string[];
  let rows: unknown[][];
  let notes: string[] = [];
  try {
    if (options.sql !== undefined) {
      let result: { columns: string[]; rows: Record<string, unknown>[] };
      if (access.kind === 'twin') {
        result = await access.api.post('/api/sql', { sql: options.sql });
      } else {
        try {
          result = await access.client.readOnlyQuery(options.sql, SQL_TIMEOUT_MS);
        } catch (error) {
          // PostgreSQL's own words: "cannot execute INSERT in a read-only transaction", syntax errors...
          throw new CliUsageError(`query refused: ${(error as Error).message}`);
        }
      }
      columns = result.columns;
      rows = result.rows.map((row) => columns.map((c) => row[c]));
    } else {
      let result: QueryResult;
      try {
        result =
          access.kind === 'twin'
            ? await namedQueryOverHttp(access.api, name as string, params)
            : await (await import('../../src/analytics/index.js')).runNamedQuery(access.client, name as string, params);
      } catch (error) {
        if (error instanceof AnalyticsError) throw new CliUsageError(error.message);
        throw error;
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      columns = result.columns.map((c) => c.name);
      rows = result.rows;
      notes = result.notes;
    }
  } finally {
    if (access.kind === 'store') await access.close();
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ columns, rows: rows.slice(0, limit) }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${formatTable(columns, rows.slice(0, limit))}\n`);
  if (rows.length > limit) notes.push(`showing ${limit} of ${rows.length} rows (--limit)`);
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
}

function namedQueryOverHttp(api: TwinApiClient, name: string, params: Record<string, string>): Promise<QueryResult> {
  const search = new URLSearchParams(params).toString();
  return api.get<QueryResult>(`/query/${encodeURIComponent(name)}${search ? `?${search}` : ''}`);
}
