/**
 * Encodes PostgreSQL values (their text form, with the session settings the capture uses:
 * TimeZone=UTC, DateStyle=ISO, IntervalStyle=iso_8601, bytea_output=hex) as the Debezium
 * PostgreSQL connector does with JsonConverter (schemas.enable=false) and these settings:
 *   decimal.handling.mode=string   numeric, money -> "12.30"
 *   time.precision.mode=adaptive   date -> days since epoch; time(p<=3) -> ms of day, else µs;
 *                                  timestamp(p<=3) -> epoch ms, else epoch µs;
 *                                  timestamptz -> "2026-01-02T03:04:05.123456Z"; timetz -> "03:04:05Z"
 *   binary.handling.mode=base64    bytea -> base64
 *   interval.handling.mode=numeric interval -> µs (a month = 30.4375 days, as Debezium)
 * json/jsonb -> the JSON text (io.debezium.data.Json); arrays -> JSON arrays of their elements;
 * int8 -> number (a string beyond 2^53, which JSON numbers in JavaScript cannot hold exactly);
 * everything else (text, uuid, enums, inet, ...) -> its text.
 */
import type { ColumnType } from './column-types.js';
import { type ArrayText, parseArrayLiteral } from './pg-array-literal.js';

const DAY_MS = 86_400_000;

/** Precision of a time/timestamp column from its type modifier (-1 = default 6). */
function precision(typmod: number): number {
  return typmod < 0 ? 6 : typmod;
}

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?/;

function epochMicros(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m || m[8]) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0'));
}

function timeOfDayMicros(text: string): number {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/.exec(text);
  if (!m) return Number.NaN;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
}

/** ISO 8601 interval (IntervalStyle=iso_8601) to microseconds. */
function intervalMicros(text: string): number | string {
  const m = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/.exec(text);
  if (!m) return text;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(1) * 365.25 + n(2) * 30.4375 + n(3);
  return Math.round(days * 86_400_000_000 + ((n(4) * 60 + n(5)) * 60 + n(6)) * 1_000_000);
}

function number(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

export function encodeValue(text: string, type: ColumnType, typmod: number): unknown {
  if (type.category === 'A' && type.element) {
    const element = type.element;
    const encode = (items: ArrayText): unknown[] =>
      items.map((item) => (item === null ? null : Array.isArray(item) ? encode(item) : encodeValue(item, element, -1)));
    return encode(parseArrayLiteral(text));
  }
  switch (type.name) {
    case 'bool':
      return text === 't';
    case 'int2':
    case 'int4':
    case 'oid':
    case 'float4':
    case 'float8':
      return number(text);
    case 'int8': {
      const value = Number(text);
      return Number.isSafeInteger(value) ? value : text;
    }
    case 'numeric':
    case 'money':
      return text;
    case 'bytea':
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('base64') : Buffer.from(text, 'latin1').toString('base64');
    case 'date': {
      const m = /^(\d{4,})-(\d\d)-(\d\d)$/.exec(text);
      return m ? Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS) : text;
    }
    case 'time': {
      const micros = timeOfDayMicros(text);
      if (Number.isNaN(micros)) return text;
      return precision(typmod) <= 3 ? Math.floor(micros / 1000) : micros;
    }
    case 'timestamp': {
      const micros = epochMicros(text);
      if (micros === undefined) return text;
      return precision(typmod) <= 3 ? Math.floor(micros / 1000) : micros;
    }
    case 'timestamptz': {
      const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)\+00(?::00)?$/.exec(text);
      return m ? `${m[1]}T${m[2]}Z` : text;
    }
    case 'timetz': {
      const m = /^(\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d)?)$/.exec(text);
      if (!m?.[1] || !m[2]) return text;
      if (/^[+-]00(:00)?$/.test(m[2])) return `${m[1]}Z`;
      // Debezium normalises to UTC.
      const [h, mm] = m[2].slice(1).split(':').map(Number);
      const offsetMicros = (m[2][0] === '-' ? -1 : 1) * (((h ?? 0) * 60 + (mm ?? 0)) * 60_000_000);
      const day = 86_400_000_000;
      const utc = (((timeOfDayMicros(m[1]) - offsetMicros) % day) + day) % day;
      const hh = Math.floor(utc / 3_600_000_000);
      const mi = Math.floor((utc % 3_600_000_000) / 60_000_000);
      const ss = (utc % 60_000_000) / 1_000_000;
      const pad = (v: number) => String(v).padStart(2, '0');
      const secs = Number.isInteger(ss)
        ? pad(ss)
        : `${pad(Math.floor(ss))}.${String(utc % 1_000_000)
            .padStart(6, '0')
            .replace(/0+$/, '')}`;
      return `${pad(hh)}:${pad(mi)}:${secs}Z`;
    }
    case 'interval':
      return intervalMicros(text);
    default:
      return text;
  }
}
