/**
 * Which selected records a replay sends back to `raw`: one per record (repeated copies, left by
 * at-least-once delivery, go once), none whose event is already stored, none without a value,
 * and unless asked again, none replayed before (a replayed record carries REPLAY_OF_HEADER, which
 * the stages forward, so its copy back in the DLQ says it was replayed) and none whose cause is
 * unchanged (a check that says it would be set aside again for the same reason).
 */
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { DlqEntry } from './dlq-entry.js';

/** Names the record a replayed copy was sent for (its replayIdentity). */
export const REPLAY_OF_HEADER = 'tributary-replay-of';

export interface ReplayPlan {
  readonly send: readonly DlqEntry[];
  /** Sent by an earlier replay (and set aside again, or still on its way): `--again` sends them anyway. */
  readonly alreadyReplayed: readonly DlqEntry[];
  /** Would be set aside again for the same reason (nothing changed): `--again` sends them anyway. */
  readonly unchanged: readonly DlqEntry[];
  /** Their event id is already in the store: sending them would change nothing. */
  readonly alreadyStored: readonly DlqEntry[];
  /** Further copies of a record already in `send` (same event, or same source position). */
  readonly copies: readonly DlqEntry[];
  /** No value to send (a tombstone, or an envelope written without its payload). */
  readonly noValue: readonly DlqEntry[];
}

/** What identifies the original record: its event id, else where it was when set aside, else where it sits now. */
export function replayIdentity(entry: DlqEntry): string {
  if (entry.eventId !== undefined) return `event:${entry.eventId}`;
  if (entry.source) return `source:${entry.source.topic}/${entry.source.partition}/${entry.source.offset}`;
  return `${entry.from}:${entry.partition}/${entry.offset}`;
}

export interface PlanOptions {
  /** Send records replayed before, and records whose cause is unchanged. */
  readonly again?: boolean;
  /** True when the record would be set aside again for its recorded reason. */
  readonly stillFails?: (entry: DlqEntry) => boolean;
  /** Every record in the topic, selected or not: where replayed copies are looked for. @default the selection */
  readonly everything?: readonly DlqEntry[];
}

/** Identities of records already replayed: named by a copy's REPLAY_OF_HEADER, and the copies themselves. */
export function replayedIdentities(entries: readonly DlqEntry[]): Set<string> {
  const replayed = new Set<string>();
  for (const entry of entries) {
    const marks = entry.headers.filter((h) => h.key === REPLAY_OF_HEADER);
    if (marks.length === 0) continue;
    replayed.add(replayIdentity(entry));
    for (const mark of marks) if (mark.value) replayed.add(mark.value.toString('utf8'));
  }
  return replayed;
}

/** Splits the selection into what to send and what to skip, keeping the topic's order. */
export function planReplay(selected: readonly DlqEntry[], storedEventIds: ReadonlySet<string>, options: PlanOptions = {}): ReplayPlan {
  const replayed = options.again ? new Set<string>() : replayedIdentities(options.everything ?? selected);
  const alreadyReplayed: DlqEntry[] = [];
  const unchanged: DlqEntry[] = [];
  const send: DlqEntry[] = [];
  const alreadyStored: DlqEntry[] = [];
  const copies: DlqEntry[] = [];
  const noValue: DlqEntry[] = [];
  const seen = new Set<string>();
  for (const entry of selected) {
    if (entry.value === null) {
      noValue.push(entry);
      continue;
    }
    if (entry.eventId !== undefined && storedEventIds.has(entry.eventId)) {
      alreadyStored.push(entry);
      continue;
    }
    const identity = replayIdentity(entry);
    if (seen.has(identity)) {
      copies.push(entry);
      continue;
    }
    seen.add(identity);
    if (replayed.has(identity)) alreadyReplayed.push(entry);
    else if (!options.again && options.stillFails?.(entry)) unchanged.push(entry);
    else send.push(entry);
  }
  return { send, alreadyReplayed, unchanged, alreadyStored, copies, noValue };
}

/** The record as it goes back to `raw`: original key, value and headers without the DLQ headers, marked as a replay. */
export function replayRecord(entry: DlqEntry, rawTopic: string): OutputRecord {
  const headers: OutputRecord['headers'] = {};
  for (const { key, value } of [...entry.headers, { key: REPLAY_OF_HEADER, value: Buffer.from(replayIdentity(entry)) }]) {
    const existing = headers[key];
    headers[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { topic: rawTopic, key: entry.key, value: entry.value, headers };
}
