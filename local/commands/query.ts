/**
 * `tributary query <name> [key=value ...]` runs a named analytics query against the local store and
 * prints a table (or --json); `tributary query --sql "<select>"` runs one read-only statement.
 */

import { parseDuration } from '../../src/analytics/duration.js';
import { AnalyticsError } from '../../src/analytics/errors.js';
import { ARCHIVE_SOURCE_PREFIX, runHistoricalQuery } from '../../src/analytics/historical-query.js';
import { QUERY_NAMES, type QueryResult, runNamedQuery } from '../../src/analytics/index.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { localArchiveTables } from '../archive/archive-tables.js';
import { storeHorizon } from '../archive/store-horizon.js';
import { CliUsageError } from '../cli-error.js';
import { openArchiveSource } from './archive-source.js';
import { openPreparedStore } from './prepared-store.js';
import { formatTable } from './table-format.js';
import { parseRangeTime } from './time-range-options.js';

export interface QueryOptions {
  sql?: string;
  json?: boolean;
  dataDir?: string;
  limit?: string;
  from?: string;
  to?: string;
  archiveDir?: string;
  /** s3://bucket/prefix: read the S3 archive (the window's files downloaded to .data/archive-cache). */
  archive?: string;
  archiveCacheDir?: string;
  storeRetention?: string;
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
  const params = withRange(parseParams(pairs), options);
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
        const result = await runWithHistory(store.client, name as string, params, options);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        columns = result.columns.map((c) => c.name);
        rows = result.rows;
        notes = result.notes;
        if (result.sources.some((source) => source.startsWith(ARCHIVE_SOURCE_PREFIX))) notes.push(`sources: ${result.sources.join(', ')}`);
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

/** --from/--to become the query's from/to parameters (given once: as flags or as key=value). */
function withRange(params: Record<string, string>, options: QueryOptions): Record<string, string> {
  const out = { ...params };
  for (const [flag, key] of [
    ['--from', 'from'],
    ['--to', 'to'],
  ] as const) {
    const text = flag === '--from' ? options.from : options.to;
    if (text === undefined) continue;
    if (out[key] !== undefined) throw new CliUsageError(`give ${flag} or ${key}=, not both`);
    out[key] = parseRangeTime(flag, text).toISOString();
  }
  return out;
}

/**
 * Runs a named query over the store and, when the archive folder holds an archive, over the
 * archive for the part of the window before the store's horizon.
 */
async function runWithHistory(
  store: SqlQueryable,
  name: string,
  params: Record<string, string>,
  options: QueryOptions,
): Promise<QueryResult> {
  let retentionMs: number | undefined;
  if (options.storeRetention !== undefined) {
    retentionMs = parseDuration(options.storeRetention);
    if (retentionMs === undefined)
      throw new CliUsageError(`--store-retention must be a duration such as 7d or 12h, got "${options.storeRetention}"`);
  }
  if (options.archive !== undefined && (params.from === undefined || params.to === undefined))
    throw new CliUsageError('--archive needs --from and --to: the window names the files to download');
  const range = { fromMs: Date.parse(params.from ?? ''), toMs: Date.parse(params.to ?? '') };
  const { reader } = await openArchiveSource(options, 'enriched', range);
  try {
    if (!reader.exists) return await runNamedQuery(store, name, params);
    const now = new Date();
    const horizon = await storeHorizon(store, now, retentionMs);
    return await runHistoricalQuery({ store, archive: localArchiveTables(reader), storeHorizon: horizon }, name, params, { now });
  } finally {
    reader.close();
  }
}
