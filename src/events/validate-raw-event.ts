/**
 * Turns the bytes of a raw record into a normalised event, or says precisely why it cannot.
 * Shared by the ingest stage and the HTTP ingest API.
 */
import { isUtf8 } from 'node:buffer';
import { isIP } from 'node:net';
import type { z } from 'zod';
import { normaliseCurrency } from './currencies.js';
import { type CleanEvent, CURRENT_SCHEMA_VERSION, eventSchemas, isEventType } from './event-schemas.js';
import { InvalidReason } from './invalid-reason.js';

/** Largest raw event accepted; the rest of the pipeline can rely on events being small. */
export const MAX_EVENT_BYTES = 32 * 1024;
/** Events may be stamped this far ahead of their arrival (producer clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const EARLIEST_EVENT_TIME_MS = Date.UTC(2000, 0, 1);

export type RawEventValidation = { ok: true; event: CleanEvent; key: string } | { ok: false; reason: InvalidReason; detail: string };

const invalid = (reason: InvalidReason, detail: string): RawEventValidation => ({ ok: false, reason, detail });

function describePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'event' : path.map(String).join('.');
}

/** Maps the first zod issue to a reason: absent field, wrong JSON type, or a value out of bounds. */
function reasonForIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): RawEventValidation {
  const field = describePath(issue.path);
  let value: unknown = input;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  // Whatever zod calls it (type, union or enum issue), an absent field is a missing field.
  if (value === undefined && issue.path.length > 0) return invalid(InvalidReason.MISSING_FIELD, `${field} is required`);
  if (issue.code === 'invalid_type') {
    // zod reports 1.5 for an integer field as a type error; it is a number out of its domain.
    if (typeof value === 'number' && issue.expected === 'int')
      return invalid(InvalidReason.IMPOSSIBLE_VALUE, `${field}: must be a whole number`);
    return invalid(InvalidReason.WRONG_TYPE, `${field}: expected ${issue.expected}`);
  }
  if (issue.code === 'invalid_union' && issue.path[0] === 'occurredAt') {
    return invalid(InvalidReason.WRONG_TYPE, 'occurredAt: expected an ISO 8601 string or epoch milliseconds');
  }
  return invalid(InvalidReason.IMPOSSIBLE_VALUE, `${field}: ${issue.message}`);
}

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Text PostgreSQL refuses: NUL, or a lone surrogate (a JSON escape such as \uD800 that no UTF-8 can hold). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** The first field (or properties key) of a parsed event whose text cannot be stored, or null. */
function unstorableTextField(event: Record<string, unknown>): string | null {
  for (const [field, value] of Object.entries(event)) {
    if (typeof value === 'string' && !isStorableText(value)) return field;
  }
  for (const [key, value] of Object.entries(isPlainRecord(event.properties) ? event.properties : {})) {
    if (!isStorableText(key) || (typeof value === 'string' && !isStorableText(value))) return 'properties';
  }
  return null;
}

function parseEventTime(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  // A zone is required: a local time without one is ambiguous.
  const match = ISO_WITH_ZONE.exec(value);
  if (!match) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 30 February over to March; a calendar date must exist as written.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  return ms;
}

/**
 * Validates and normalises one raw record value. `receivedAt` is the record's arrival time (epoch ms).
 * Never throws for bad input.
 */
export function validateRawEvent(value: Buffer | null, receivedAt: number): RawEventValidation {
  if (value === null || value.length === 0) return invalid(InvalidReason.EMPTY_VALUE, 'record has no value');
  if (value.length > MAX_EVENT_BYTES) {
    return invalid(InvalidReason.TOO_LARGE, `value is ${value.length} bytes; the limit is ${MAX_EVENT_BYTES}`);
  }
  if (!isUtf8(value)) return invalid(InvalidReason.NOT_UTF8, 'value is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return invalid(InvalidReason.NOT_JSON, `value is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainRecord(parsed)) {
    return invalid(
      InvalidReason.NOT_AN_OBJECT,
      `value is JSON ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}, not an object`,
    );
  }
  const input = parsed;
  const { type } = input;
  if (type === undefined) return invalid(InvalidReason.MISSING_FIELD, 'type is required');
  if (!isEventType(type)) {
    return invalid(InvalidReason.UNKNOWN_TYPE, `type ${JSON.stringify(type).slice(0, 80)} is not a known event type`);
  }
  const version = input.schemaVersion;
  if (version !== undefined && version !== CURRENT_SCHEMA_VERSION) {
    return invalid(
      InvalidReason.UNSUPPORTED_VERSION,
      `schemaVersion ${JSON.stringify(version).slice(0, 20)} is not supported (supported: ${CURRENT_SCHEMA_VERSION})`,
    );
  }
  const result = eventSchemas[type].safeParse(input);
  if (!result.success) return reasonForIssue(result.error.issues[0] as z.core.$ZodIssue, input);
  const event = result.data;
  // zod builds `properties` by assignment, which silently loses a `__proto__` key: refuse it instead.
  if (isPlainRecord(input.properties) && Object.hasOwn(input.properties, '__proto__'))
    return invalid(InvalidReason.IMPOSSIBLE_VALUE, 'properties: the key __proto__ is reserved');

  const occurredMs = parseEventTime(event.occurredAt);
  if (occurredMs === null)
    return invalid(InvalidReason.INVALID_TIMESTAMP, `occurredAt ${JSON.stringify(event.occurredAt)} is not a valid time with a zone`);
  if (occurredMs < EARLIEST_EVENT_TIME_MS || occurredMs > receivedAt + MAX_CLOCK_SKEW_MS) {
    return invalid(
      InvalidReason.INVALID_TIMESTAMP,
      // The input as written: a number beyond ±8.64e15 ms has no ISO form (toISOString would throw).
      `occurredAt ${JSON.stringify(event.occurredAt).slice(0, 40)} is before 2000 or more than 5 minutes after arrival`,
    );
  }
  const unstorable = unstorableTextField(event);
  if (unstorable !== null) {
    return invalid(
      InvalidReason.IMPOSSIBLE_VALUE,
      `${unstorable}: text holds a NUL character or an unpaired surrogate, which cannot be stored`,
    );
  }
  const key = event.userId ?? event.deviceId;
  if (key === undefined) return invalid(InvalidReason.MISSING_FIELD, 'userId or deviceId is required');
  if (event.ip !== undefined && isIP(event.ip) === 0)
    return invalid(InvalidReason.IMPOSSIBLE_VALUE, `ip: "${event.ip}" is not an IPv4 or IPv6 address`);

  let currency: string | undefined;
  if ('currency' in event) {
    const normalised = normaliseCurrency(event.currency);
    if (normalised === null)
      return invalid(InvalidReason.INVALID_CURRENCY, `currency ${JSON.stringify(event.currency).slice(0, 20)} is not an ISO 4217 code`);
    currency = normalised;
  }
  const clean = {
    ...event,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    occurredAt: new Date(occurredMs).toISOString(),
    receivedAt: new Date(receivedAt).toISOString(),
    ...(currency !== undefined ? { currency } : {}),
  } as CleanEvent;
  return { ok: true, event: clean, key };
}
