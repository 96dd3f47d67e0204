/**
 * Which DLQ or failure-destination records a `tributary dlq` command is about: by reason, stage,
 * time and position. Flags are parsed here, each problem reported naming the flag.
 */
import { parseDuration } from '../../src/analytics/duration.js';
import { INVALID_REASONS } from '../../src/events/invalid-reason.js';
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import { CliUsageError } from '../cli-error.js';
import { FailureCondition } from '../event-source-mapping/failure-envelope.js';
import { type DlqEntry, type DlqSource, UNREADABLE_ENVELOPE } from './dlq-entry.js';

/** A record's place in its topic; partition absent when written as a bare offset. */
export interface EntryPosition {
  readonly partition?: number;
  readonly offset: number;
}

export interface DlqFilter {
  readonly reasons?: ReadonlySet<string>;
  readonly stages?: ReadonlySet<string>;
  /** Set aside at or after this time (epoch ms). */
  readonly since?: number;
  readonly positions?: readonly EntryPosition[];
}

export interface RawDlqFilter {
  reason?: string;
  stage?: string;
  since?: string;
  offset?: string[];
}

/** Reasons each topic can hold. */
export function knownReasons(from: DlqSource): readonly string[] {
  return from === 'dlq' ? INVALID_REASONS : [...Object.values(FailureCondition), UNREADABLE_ENVELOPE];
}

function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseReasons(text: string, from: DlqSource): Set<string> {
  const known = knownReasons(from);
  const reasons = new Set<string>();
  for (const item of commaList(text)) {
    const match = known.find((r) => r.toLowerCase() === item.toLowerCase());
    if (!match) {
      const where = from === 'dlq' ? 'the DLQ' : 'the failure destination (--failures)';
      throw new CliUsageError(`--reason "${item}" is not a reason in ${where}; one of: ${known.join(', ')}`);
    }
    reasons.add(match);
  }
  if (reasons.size === 0) throw new CliUsageError('--reason is empty');
  return reasons;
}

function parseStages(text: string): Set<string> {
  const stages = new Set<string>();
  for (const item of commaList(text)) {
    const stage = item.toLowerCase();
    if (!(STAGE_NAMES as readonly string[]).includes(stage))
      throw new CliUsageError(`--stage "${item}" is not a stage; one of: ${STAGE_NAMES.join(', ')}`);
    stages.add(stage);
  }
  if (stages.size === 0) throw new CliUsageError('--stage is empty');
  return stages;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/** "15m", "2h", "7d" back from now, or an ISO 8601 date or time with a zone. */
export function parseSince(text: string, now: number): number {
  const duration = parseDuration(text.trim());
  if (duration !== undefined) return now - duration;
  const ms = ISO_WITH_ZONE.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(ms))
    throw new CliUsageError(`--since must be a duration (30s, 15m, 2h, 7d) or an ISO 8601 time with a zone, got "${text}"`);
  return ms;
}

/** "partition:offset", or a bare "offset". */
export function parsePosition(text: string, flag = '--offset'): EntryPosition {
  const match = /^(?:(\d{1,9}):)?(\d{1,15})$/.exec(text.trim());
  if (!match) throw new CliUsageError(`${flag} must be partition:offset (e.g. 0:42) or an offset, got "${text}"`);
  return { ...(match[1] !== undefined ? { partition: Number(match[1]) } : {}), offset: Number(match[2]) };
}

export function parseDlqFilter(raw: RawDlqFilter, from: DlqSource, now = Date.now()): DlqFilter {
  return {
    ...(raw.reason !== undefined ? { reasons: parseReasons(raw.reason, from) } : {}),
    ...(raw.stage !== undefined ? { stages: parseStages(raw.stage) } : {}),
    ...(raw.since !== undefined ? { since: parseSince(raw.since, now) } : {}),
    ...(raw.offset !== undefined && raw.offset.length > 0 ? { positions: raw.offset.flatMap(commaList).map((p) => parsePosition(p)) } : {}),
  };
}

export function isEmptyFilter(filter: DlqFilter): boolean {
  return filter.reasons === undefined && filter.stages === undefined && filter.since === undefined && filter.positions === undefined;
}

function atPosition(entry: DlqEntry, position: EntryPosition): boolean {
  return entry.offset === position.offset && (position.partition === undefined || position.partition === entry.partition);
}

export function matchesFilter(entry: DlqEntry, filter: DlqFilter): boolean {
  if (filter.reasons && !filter.reasons.has(entry.reason)) return false;
  if (filter.stages && (entry.stage === undefined || !filter.stages.has(entry.stage))) return false;
  if (filter.since !== undefined && entry.time < filter.since) return false;
  if (filter.positions && !filter.positions.some((p) => atPosition(entry, p))) return false;
  return true;
}

/**
 * The entries the filter selects. A bare offset must name one record: when it matches records in
 * several partitions the caller must write partition:offset; a position that matches nothing is an error.
 */
export function selectEntries(entries: readonly DlqEntry[], filter: DlqFilter): DlqEntry[] {
  for (const position of filter.positions ?? []) {
    const at = entries.filter((e) => atPosition(e, position));
    const label = position.partition === undefined ? `offset ${position.offset}` : `${position.partition}:${position.offset}`;
    if (at.length === 0) throw new CliUsageError(`no record at ${label}`);
    if (at.length > 1) {
      throw new CliUsageError(
        `offset ${position.offset} is in partitions ${at.map((e) => e.partition).join(', ')}; write partition:offset`,
      );
    }
  }
  return entries.filter((e) => matchesFilter(e, filter));
}

export interface DlqGroup {
  readonly stage: string;
  readonly reason: string;
  readonly records: number;
  readonly first: number;
  readonly last: number;
}

/** Counts by stage and reason, largest first. */
export function groupEntries(entries: readonly DlqEntry[]): DlqGroup[] {
  const groups = new Map<string, { stage: string; reason: string; records: number; first: number; last: number }>();
  for (const entry of entries) {
    const stage = entry.stage ?? '?';
    const key = `${stage}\u0000${entry.reason}`;
    const group = groups.get(key);
    if (group) {
      group.records++;
      group.first = Math.min(group.first, entry.time);
      group.last = Math.max(group.last, entry.time);
    } else {
      groups.set(key, { stage, reason: entry.reason, records: 1, first: entry.time, last: entry.time });
    }
  }
  return [...groups.values()].sort((a, b) => b.records - a.records || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason));
}
