/** Replays chosen DLQ or failure-destination records into `raw`, skipping events already stored. */

import { validateRawEvent } from '../../src/events/validate-raw-event.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import type { DlqEntry } from './dlq-entry.js';
import { planReplay, type ReplayPlan, replayRecord } from './replay-selection.js';

/** Which of these event ids the store holds (from the store, or through the running twin). */
export type StoredEventLookup = (ids: readonly string[]) => Promise<Set<string>>;

export interface ReplayOptions {
  readonly pipeline: PipelineDefinition;
  readonly store: SqlQueryable | StoredEventLookup;
  readonly publisher: RecordPublisher;
  /** The records chosen (by filter); copies and stored events among them are skipped. */
  readonly selected: readonly DlqEntry[];
  /** Plan only; send nothing. */
  readonly dryRun?: boolean;
  /** Also send records replayed before and records whose cause is unchanged. */
  readonly again?: boolean;
  /** Every record of the topic, where earlier replays' copies are looked for. @default selected */
  readonly everything?: readonly DlqEntry[];
}

export interface ReplayResult extends ReplayPlan {
  /** Records sent to `raw` (0 on a dry run). */
  readonly sent: number;
  readonly topic: string;
}

const ID_CHUNK = 10_000;

/** Which of these event ids the store holds. */
export async function storedEventIds(store: SqlQueryable, ids: readonly string[]): Promise<Set<string>> {
  const stored = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const rows = await store.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id = ANY($1::text[])', [
      unique.slice(i, i + ID_CHUNK),
    ]);
    for (const row of rows) stored.add(row.event_id);
  }
  return stored;
}

export async function replayEntries(options: ReplayOptions): Promise<ReplayResult> {
  const topic = options.pipeline.topics.raw.name;
  const ids = options.selected.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId]));
  const { store } = options;
  const stored = typeof store === 'function' ? await store(ids) : await storedEventIds(store, ids);
  const plan = planReplay(options.selected, stored, { again: options.again, stillFails: failsIngestAgain, everything: options.everything });
  if (options.dryRun || plan.send.length === 0) return { ...plan, sent: 0, topic };
  const records = plan.send.map((e) => replayRecord(e, topic));
  // Batches keep a publish within the producer's request size whatever the DLQ holds.
  for (let i = 0; i < records.length; i += 500) await options.publisher.publish(records.slice(i, i + 500));
  return { ...plan, sent: records.length, topic };
}

/**
 * A record the ingest stage set aside that its validation refuses again for the same reason: the
 * cause is in the record itself, so replaying it changes nothing. (Enrichment causes depend on
 * reference data, which may have changed: those are not judged here.)
 */
export function failsIngestAgain(entry: DlqEntry): boolean {
  if (entry.stage !== 'ingest' || entry.value === null) return false;
  const result = validateRawEvent(entry.value, Date.now());
  return !result.ok && result.reason === entry.reason;
}
