/**
 * `tributary query <name> [key=value ...]` runs a named analytics query against the local store and
 * prints a table (or --json); `tributary query --sql "<select>"` runs one read-only statement.
 * While a twin serves the store, both go through its HTTP API (the twin owns the store, and
 * answers in milliseconds with its live pipeline status); otherwise the store is opened here.
 */

import { parseDuration } from '../../src/analytics/duration.js';
import { AnalyticsError } from '../../src/analytics/errors.js';
import { ARCHIVE_SOURCE_PREFIX, runHistoricalQuery } from '../../src/analytics/historical-query.js';
import { type QueryResult, runNamedQuery } from '../../src/analytics/index.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { localArchiveTables } from '../archive/archive-tables.js';
import { storeHorizon } from '../archive/store-horizon.js';
import { CliUsageError } from '../cli-error.js';
import type { TwinApiClient } from '../twin/twin-api-client.js';
import { openArchiveSource } from './archive-source.js';
import { accessStoreForReading, openStoreBesideTwin, twinServing } from './store-access.js';
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
  const params = withRange(parseParams(pairs), options);
  const location = { dataDir: options.dataDir };
  // A window with from/to may reach into the archive: answered here, over the archive and the store.
  const historical = params.from !== undefined || params.to !== undefined;
  if (name !== undefined && (historical || !twinServing(location))) {
    // Checked before the store opens (seconds for PGlite): a wrong parameter is refused at once.
    const { prepareNamedQuery } = await import('../../src/analytics/index.js');
    try {
      prepareNamedQuery(name, params);
    } catch (error) {
      if (error instanceof AnalyticsError) throw new CliUsageError(error.message);
      throw error;
    }
  }
  const access =
    historical && name !== undefined
      ? await openStoreBesideTwin('tributary query --from/--to', location)
      : await accessStoreForReading('tributary query', location);
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
            : await runWithHistory(access.client, name as string, params, options);
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
      if (result.sources.some((source) => source.startsWith(ARCHIVE_SOURCE_PREFIX))) notes.push(`sources: ${result.sources.join(', ')}`);
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
