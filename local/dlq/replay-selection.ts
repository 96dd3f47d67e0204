/**
 * Which selected records a replay sends back to `raw`: one per record (repeated copies, left by
 * at-least-once delivery, go once), none whose event is already stored, none without a value.
 */
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { DlqEntry } from './dlq-entry.js';

export interface ReplayPlan {
  readonly send: readonly DlqEntry[];
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

/** Splits the selection into what to send and what to skip, keeping the topic's order. */
export function planReplay(selected: readonly DlqEntry[], storedEventIds: ReadonlySet<string>): ReplayPlan {
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
    send.push(entry);
  }
  return { send, alreadyStored, copies, noValue };
}

/** The record as it goes back to `raw`: original key, value and headers, without the DLQ headers. */
export function replayRecord(entry: DlqEntry, rawTopic: string): OutputRecord {
  const headers: OutputRecord['headers'] = {};
  for (const { key, value } of entry.headers) {
    const existing = headers[key];
    headers[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { topic: rawTopic, key: entry.key, value: entry.value, headers };
}
