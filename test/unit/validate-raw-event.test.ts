import { describe, expect, it } from 'vitest';
import { INVALID_REASONS, InvalidReason } from '../../src/events/invalid-reason.js';
import { MAX_EVENT_BYTES, validateRawEvent } from '../../src/events/validate-raw-event.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const purchase = {
  eventId: 'evt-1',
  type: 'purchase',
  source: 'web',
  occurredAt: '2026-11-20T13:00:00+01:00',
  userId: 'u-1',
  orderId: 'o-1',
  sku: 'SKU-00001',
  quantity: 2,
  price: 10.5,
  currency: 'eur',
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const reasonOf = (value: Buffer | null) => {
  const result = validateRawEvent(value, NOW);
  return result.ok ? 'OK' : result.reason;
};

describe('validateRawEvent', () => {
  it('normalises a valid event: UTC time, upper-case currency, version, arrival time, key by user', () => {
    const result = validateRawEvent(bytes(purchase), NOW);

    expect(result).toMatchObject({
      ok: true,
      key: 'u-1',
      event: { occurredAt: '2026-11-20T12:00:00.000Z', currency: 'EUR', schemaVersion: 1, receivedAt: '2026-11-20T12:00:00.000Z' },
    });
  });

  it('accepts epoch milliseconds and keys device-only events by device', () => {
    const { userId: _, ...deviceOnly } = purchase;
    const result = validateRawEvent(bytes({ ...deviceOnly, deviceId: 'till-1', occurredAt: NOW - 1000 }), NOW);

    expect(result).toMatchObject({ ok: true, key: 'till-1', event: { occurredAt: '2026-11-20T11:59:59.000Z' } });
  });

  it('drops unknown top-level fields and keeps `properties`', () => {
    const result = validateRawEvent(bytes({ ...purchase, extra: 1, __proto__: { polluted: true }, properties: { store: 'x' } }), NOW);

    expect(result.ok && result.event).not.toHaveProperty('extra');
    expect(result.ok && result.event.properties).toEqual({ store: 'x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [InvalidReason.EMPTY_VALUE, null],
    [InvalidReason.EMPTY_VALUE, Buffer.alloc(0)],
    [InvalidReason.TOO_LARGE, bytes({ ...purchase, properties: { a: 'x'.repeat(1000) }, pad: 'y'.repeat(MAX_EVENT_BYTES) })],
    [InvalidReason.NOT_UTF8, Buffer.from([0x7b, 0xc3, 0x28, 0x7d])],
    [InvalidReason.NOT_JSON, Buffer.from('{"type": ')],
    [InvalidReason.NOT_AN_OBJECT, Buffer.from('"purchase"')],
    [InvalidReason.NOT_AN_OBJECT, Buffer.from('null')],
    [InvalidReason.UNKNOWN_TYPE, bytes({ ...purchase, type: 'refund' })],
    [InvalidReason.UNKNOWN_TYPE, bytes({ ...purchase, type: 42 })],
    [InvalidReason.UNSUPPORTED_VERSION, bytes({ ...purchase, schemaVersion: 2 })],
    [InvalidReason.MISSING_FIELD, bytes({ ...purchase, type: undefined })],
    [InvalidReason.MISSING_FIELD, bytes({ ...purchase, orderId: undefined })],
    [InvalidReason.MISSING_FIELD, bytes({ ...purchase, userId: undefined })],
    [InvalidReason.MISSING_FIELD, bytes({ ...purchase, occurredAt: undefined })],
    [InvalidReason.MISSING_FIELD, bytes({ ...purchase, source: undefined })],
    [InvalidReason.WRONG_TYPE, bytes({ ...purchase, quantity: '2' })],
    [InvalidReason.WRONG_TYPE, bytes({ ...purchase, occurredAt: true })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, quantity: 0 })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, price: -1 })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, quantity: 1.5 })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, properties: JSON.parse('{"__proto__":"v"}') })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, userAgent: 'nul\u0000byte' })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, properties: { note: 'lone \uD800 surrogate' } })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, source: 'fax' })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, ip: '999.1.1.1' })],
    [InvalidReason.IMPOSSIBLE_VALUE, bytes({ ...purchase, eventId: "1'; DROP TABLE events;--" })],
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: '2026-02-30T10:00:00Z' })],
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: '2026-11-20T10:00:00' })],
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: '1999-12-31T23:59:59Z' })],
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: NOW + 10 * 60 * 1000 })],
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: 1e20 })], // beyond what a Date can hold
    [InvalidReason.INVALID_TIMESTAMP, bytes({ ...purchase, occurredAt: -8.64e15 - 1 })],
    [InvalidReason.INVALID_CURRENCY, bytes({ ...purchase, currency: 'XYZ' })],
    [InvalidReason.INVALID_CURRENCY, bytes({ ...purchase, currency: 'euro' })],
  ])('gives %s for a bad record', (reason, value) => {
    expect(reasonOf(value)).toBe(reason);
  });

  it('names the offending field in the detail', () => {
    const result = validateRawEvent(bytes({ ...purchase, quantity: '2' }), NOW);

    expect(result).toMatchObject({ ok: false, detail: expect.stringContaining('quantity') });
  });

  it('has a distinct reason code for every kind of bad input', () => {
    expect(new Set(INVALID_REASONS).size).toBe(INVALID_REASONS.length);
  });
});
