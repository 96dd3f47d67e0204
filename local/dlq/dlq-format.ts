/** How `tributary dlq` prints entries: one line each in a list, every detail for `show`. */
import { isUtf8 } from 'node:buffer';
import type { RecordHeader } from '../../src/kafka/msk-event.js';
import type { DlqEntry } from './dlq-entry.js';

const PREVIEW_CHARS = 60;

/** Text of a value or header: UTF-8 when it is, else base64 marked as such. */
export function bytesText(value: Buffer): string {
  return isUtf8(value) ? value.toString('utf8') : `base64:${value.toString('base64')}`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Columns of the record list. */
export const ENTRY_COLUMNS = ['position', 'time', 'stage', 'reason', 'event id', 'detail'] as const;

export function entryRow(entry: DlqEntry): string[] {
  return [
    `${entry.partition}:${entry.offset}`,
    new Date(entry.time).toISOString(),
    entry.stage ?? '?',
    entry.reason,
    entry.eventId ?? '',
    oneLine(entry.detail ?? '', PREVIEW_CHARS),
  ];
}

function headerLines(headers: readonly RecordHeader[]): string[] {
  if (headers.length === 0) return ['  (none)'];
  return headers.map((h) => `  ${h.key}: ${h.value === null ? '(null)' : oneLine(bytesText(h.value), 200)}`);
}

function valueText(value: Buffer | null): string {
  if (value === null) return '(null: a tombstone, or not kept)';
  if (!isUtf8(value)) return `(${value.length} bytes, not UTF-8) base64:${value.toString('base64')}`;
  const text = value.toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Everything about one entry, for `tributary dlq show`. */
export function formatEntryDetail(entry: DlqEntry, topic: string): string {
  const lines = [
    `${topic} ${entry.partition}:${entry.offset}`,
    `time      ${new Date(entry.time).toISOString()}`,
    `stage     ${entry.stage ?? '?'}`,
    `reason    ${entry.reason}`,
  ];
  if (entry.detail) lines.push(`detail    ${entry.detail}`);
  if (entry.source) lines.push(`source    ${entry.source.topic}-${entry.source.partition}@${entry.source.offset}`);
  if (entry.eventId) lines.push(`event id  ${entry.eventId}`);
  if (entry.envelope) {
    const { requestContext } = entry.envelope;
    lines.push(`request   ${requestContext.requestId} (${requestContext.functionArn})`);
  }
  lines.push(`key       ${entry.key === null ? '(null)' : bytesText(entry.key)}`);
  lines.push('headers', ...headerLines(entry.headers));
  lines.push(`value${entry.value === null ? '' : ` (${entry.value.length} bytes)`}`, valueText(entry.value));
  return lines.join('\n');
}

/** An entry as JSON-friendly data (bytes as text or base64). */
export function entryJson(entry: DlqEntry): Record<string, unknown> {
  return {
    from: entry.from,
    partition: entry.partition,
    offset: entry.offset,
    time: new Date(entry.time).toISOString(),
    stage: entry.stage ?? null,
    reason: entry.reason,
    detail: entry.detail ?? null,
    source: entry.source ?? null,
    eventId: entry.eventId ?? null,
    key: entry.key === null ? null : bytesText(entry.key),
    headers: entry.headers.map((h) => ({ key: h.key, value: h.value === null ? null : bytesText(h.value) })),
    value: entry.value === null ? null : bytesText(entry.value),
  };
}
