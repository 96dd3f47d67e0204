/**
 * The pure parts of change data capture: PostgreSQL array literals, LSNs, Debezium's value
 * encodings for the less common cases, and the reader's checks and ordering of change events.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnType } from '../../local/cdc/column-types.js';
import { encodeValue } from '../../local/cdc/debezium-values.js';
import { formatLsn, parseLsn } from '../../local/cdc/lsn.js';
import { parseArrayLiteral } from '../../local/cdc/pg-array-literal.js';
import { ChangeEventError, changePosition, readChangeEvent } from '../../src/cdc/change-event-reader.js';

const type = (name: string, category = 'N'): ColumnType => ({ oid: 0, name, category });

describe('array literals', () => {
  it('parses quoting, escapes, NULL, empty and nested arrays, and lower bounds', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{a,"b c","d\\"e",NULL,"NULL"}')).toEqual(['a', 'b c', 'd"e', null, 'NULL']);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseArrayLiteral('[0:1]={x,y}')).toEqual(['x', 'y']);
    expect(() => parseArrayLiteral('{a,b')).toThrow();
  });
});

describe('LSNs', () => {
  it('round-trips and orders as numbers', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('0/1A'))).toBe('0/1A');
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('nope')).toThrow(/not an LSN/);
  });
});

describe('Debezium value encodings', () => {
  it('keeps big int8 exact as a string, numbers as numbers', () => {
    expect(encodeValue('9007199254740993', type('int8'), -1)).toBe('9007199254740993');
    expect(encodeValue('42', type('int8'), -1)).toBe(42);
    expect(encodeValue('NaN', type('float8'), -1)).toBe('NaN');
  });

  it('encodes time types by precision, and zones to UTC', () => {
    expect(encodeValue('00:00:01.5', type('time'), 3)).toBe(1500);
    expect(encodeValue('00:00:01.5', type('time'), -1)).toBe(1_500_000);
    expect(encodeValue('1970-01-02', type('date'), -1)).toBe(1);
    expect(encodeValue('1969-12-31', type('date'), -1)).toBe(-1);
    expect(encodeValue('10:00:00+02', type('timetz'), -1)).toBe('08:00:00Z');
    expect(encodeValue('2026-01-01 00:00:00+00', type('timestamptz'), -1)).toBe('2026-01-01T00:00:00Z');
    expect(encodeValue('infinity', type('timestamp'), -1)).toBe('infinity');
    expect(encodeValue('P1M', type('interval'), -1)).toBe(30.4375 * 86_400_000_000);
  });

  it('encodes arrays element by element', () => {
    const ints: ColumnType = { oid: 1007, name: '_int4', category: 'A', element: type('int4') };
    expect(encodeValue('{1,NULL,3}', ints, -1)).toEqual([1, null, 3]);
    const bytes: ColumnType = { oid: 1001, name: '_bytea', category: 'A', element: type('bytea') };
    expect(encodeValue('{"\\\\x0102"}', bytes, -1)).toEqual([Buffer.from([1, 2]).toString('base64')]);
  });
});

describe('reading change events', () => {
  const source = { version: '2', connector: 'postgresql', name: 'p', ts_ms: 1, snapshot: 'false', db: 'd', schema: 's', table: 't' };

  it('recognises tombstones and unwraps a converter envelope with schemas', () => {
    expect(readChangeEvent(null)).toBeNull();
    const event = { before: null, after: { id: 1 }, source: { ...source, lsn: 10, sequence: '["5","10"]' }, op: 'c', ts_ms: 2 };
    expect(readChangeEvent(Buffer.from(JSON.stringify({ schema: {}, payload: event })))?.after).toEqual({ id: 1 });
  });

  it('refuses what is not a change event, saying why', () => {
    expect(() => readChangeEvent(Buffer.from('{'))).toThrow(ChangeEventError);
    expect(() => readChangeEvent(Buffer.from(JSON.stringify({ op: 'c' })))).toThrow(/not a Debezium change event/);
    const deleteWithAfter = { before: { id: 1 }, after: { id: 1 }, source, op: 'd', ts_ms: 2 };
    expect(() => readChangeEvent(Buffer.from(JSON.stringify(deleteWithAfter)))).toThrow(/op "d"/);
  });

  it('orders by the previous commit, then the change LSN; a snapshot read sits just before its position', () => {
    const at = (op: string, lsn: number, sequence?: string) =>
      readChangeEvent(Buffer.from(JSON.stringify({ before: null, after: { id: 1 }, source: { ...source, lsn, sequence }, op, ts_ms: 0 })));
    const snapshot = changePosition(at('r', 100) as NonNullable<ReturnType<typeof at>>);
    const streamed = changePosition(at('u', 90, '["100","90"]') as NonNullable<ReturnType<typeof at>>);
    expect(snapshot).toEqual({ commitLsn: 99n, changeLsn: 100n });
    expect(streamed).toEqual({ commitLsn: 100n, changeLsn: 90n });
    // A change committed after the snapshot wins even with a lower LSN of its own.
    expect(streamed.commitLsn > snapshot.commitLsn).toBe(true);
  });
});
