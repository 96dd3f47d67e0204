/**
 * Named queries over history: a window older than the store's horizon is answered from the
 * archive, a window after it from the store, and a window spanning both from both (archive before
 * the horizon, store after, merged), with the same parameters and result shape. `sources` names
 * what answered, archive tables prefixed `archive:`. Queries about the pipeline's own operation
 * (freshness, pipeline) are answered by the store alone: the archive keeps events, not commits.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { prepareNamedQuery, type RunNamedQueryOptions } from './named-queries.js';
import type { QueryContext } from './query-context.js';
import type { RawParams } from './query-params.js';
import type { QueryAnswer, QueryResult } from './query-result.js';

/** The archive seen as the store's tables over a time range (the local archive, or Athena on AWS). */
export interface ArchiveTables {
  /**
   * A queryable holding `events`, `metrics_minute`, `product_minute` and `funnel_entities` built
   * from archived events of [from, to) (of everything before `to` when `allBefore`), deduplicated
   * by event id. `notes` report files that could not be read.
   */
  open(range: { from: Date; to: Date; allBefore: boolean }): Promise<{ db: SqlQueryable; notes: string[]; close(): Promise<void> }>;
  /** Whether the archive holds events from before this time (when it cannot tell: true). */
  holdsEventsBefore?(at: Date): Promise<boolean>;
}

export interface HistoricalSources {
  store: SqlQueryable;
  archive: ArchiveTables;
  /** Events before this time are read from the archive; at or after it from the store. */
  storeHorizon: Date;
}

export const ARCHIVE_SOURCE_PREFIX = 'archive:';

const STORE_ONLY_NOTE = (name: string, horizon: Date) =>
  `${name} describes the pipeline's own work and is answered by the store only; it holds nothing before ${horizon.toISOString()}`;

export async function runHistoricalQuery(
  sources: HistoricalSources,
  name: string,
  params: RawParams,
  options: RunNamedQueryOptions = {},
): Promise<QueryResult> {
  const now = options.now ?? new Date();
  const prepared = prepareNamedQuery(name, params, now);
  const context: QueryContext = { now, status: options.status };
  const from = new Date(String(prepared.params.from));
  const to = new Date(String(prepared.params.to));
  const wrap = (answer: QueryAnswer): QueryResult => ({ name, params: prepared.params, asOf: now.toISOString(), ...answer });
  const splittable = prepared.splittable;

  if (!splittable) {
    const answer = await prepared.run(sources.store, context);
    // Said only when it matters: the window reaches before the store, and the archive has events there.
    const missed = from < sources.storeHorizon && ((await sources.archive.holdsEventsBefore?.(sources.storeHorizon)) ?? true);
    return wrap(missed ? { ...answer, notes: [...answer.notes, STORE_ONLY_NOTE(name, sources.storeHorizon)] } : answer);
  }
  const at = splittable.alignSplit(sources.storeHorizon);
  if (at <= from) return wrap(await prepared.run(sources.store, context));

  // First times (the funnel) need the archived events up to the window's end, not only before the split.
  const archiveTo = splittable.needsEarlierHistory || at >= to ? to : at;
  const archiveRange = { from, to: archiveTo, allBefore: splittable.needsEarlierHistory };
  const archive = await sources.archive.open(archiveRange);
  try {
    const fromArchive = (answer: QueryAnswer): QueryAnswer => ({
      ...answer,
      sources: answer.sources.map((s) => `${ARCHIVE_SOURCE_PREFIX}${s}`),
      notes: [...answer.notes, ...archive.notes],
    });
    if (at >= to) return wrap(fromArchive(await prepared.run(archive.db, context)));
    const split = splittable.split(at);
    const [before, after] = await Promise.all([split.before(archive.db, context), split.after(sources.store, context)]);
    return wrap(split.merge(fromArchive(before), after));
  } finally {
    await archive.close();
  }
}
