/**
 * Hostile raw records for the edge fuzz test: random bytes, truncated and deeply nested JSON, huge
 * strings, __proto__ and constructor keys, numbers out of range, invalid dates and currencies,
 * SQL-looking text, emoji and right-to-left text, oversized records. Each case is data (printable
 * by fast-check when it fails); ID_TOKEN in its text becomes the event id when it is sent.
 */
import fc from 'fast-check';
import { EVENT_TYPES } from '../../src/events/event-schemas.js';
import { MAX_EVENT_BYTES } from '../../src/events/validate-raw-event.js';
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { productCatalogue } from '../../src/reference/product-catalogue.js';

export const ID_TOKEN = '@@ID@@';

export interface HostileCase {
  readonly kind: string;
  /** The value as text (UTF-8 encoded when sent), with ID_TOKEN where the event id goes. */
  readonly text?: string;
  /** The value as raw bytes (no event id). */
  readonly bytes?: Uint8Array;
  readonly key: string | null;
}

/** The value to send, with the event id in place. */
export function hostileValue(c: HostileCase, eventId: string): Buffer {
  if (c.bytes !== undefined) return Buffer.from(c.bytes);
  return Buffer.from((c.text ?? '').replaceAll(ID_TOKEN, eventId), 'utf8');
}

export const SQL_TEXT = [
  "'; DROP TABLE events; --",
  "1' OR '1'='1",
  "'); TRUNCATE metrics_minute; --",
  '$$; DELETE FROM events; $$',
  "\\'; SELECT pg_sleep(5); --",
  "Robert'); DROP TABLE students;--",
  "%' UNION SELECT event_id, payload FROM events --",
  "x'::jsonb; UPDATE products SET name = 'pwned'; --",
  '/* */ ; COMMIT; DROP SCHEMA public CASCADE; --',
] as const;

export const UNICODE_TEXT = [
  '🛒🔥💳 checkout',
  '\u202Egnp.exe\u202C',
  'مرحبا بالعالم',
  'שלום עולם',
  '👩‍👩‍👧‍👦 family',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '\uFEFFbom',
  'zero\u200Bwidth\u200Cjoin\u200D',
  '𝕳𝖊𝖑𝖑𝖔',
  'ﷺ',
] as const;

/** Text PostgreSQL cannot hold: NUL, and a lone surrogate (JSON escapes that jsonb refuses). */
export const UNSTORABLE_TEXT = ['nul\u0000byte', 'lone \uD800 surrogate', 'tail \uDFFF'] as const;

const now = Date.now();
const recent = (): string => new Date(now - 60_000).toISOString();
const skus = productCatalogue()
  .slice(0, 40)
  .map((p) => p.sku);
const currencies = Object.keys(SAMPLE_USD_RATES);

/** A valid raw event of each type, as a plain object with ID_TOKEN as its id. */
const validEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    sku: fc.constantFrom(...skus),
    currency: fc.constantFrom(...currencies),
    quantity: fc.integer({ min: 1, max: 9 }),
    price: fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100),
    user: fc.integer({ min: 1, max: 999 }),
  })
  .map(({ type, sku, currency, quantity, price, user }) => {
    const base = { eventId: ID_TOKEN, type, source: 'web', occurredAt: recent(), userId: `u-${user}`, sessionId: `s-${user}` };
    switch (type) {
      case 'page_view':
        return { ...base, url: '/home', referrer: 'https://search.example/' };
      case 'product_view':
        return { ...base, sku };
      case 'search':
        return { ...base, query: 'lamp', resultsCount: 3 };
      case 'add_to_cart':
        return { ...base, sku, quantity, price, currency };
      case 'checkout':
        return { ...base, cartValue: price, currency, itemCount: quantity };
      default:
        return { ...base, type: 'purchase', orderId: `o-${user}`, sku, quantity, price, currency };
    }
  });

const key = fc.oneof(fc.constant(null), fc.string({ maxLength: 20 }), fc.constantFrom(...UNICODE_TEXT, ...SQL_TEXT));
const hostileString = fc.oneof(
  fc.constantFrom(...SQL_TEXT, ...UNICODE_TEXT, ...UNSTORABLE_TEXT),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const json = (value: unknown) => JSON.stringify(value);
const kase = (kind: string, text: string, k: string | null): HostileCase => ({ kind, text, key: k });

/** Free text in a valid event: where it lands depends on the type (url, query, user agent, referrer, properties). */
const withText = (kind: string, texts: fc.Arbitrary<string>) =>
  fc
    .tuple(validEvent, texts, fc.constantFrom('url', 'query', 'userAgent', 'referrer', 'property', 'propertyKey'), key)
    .map(([event, text, where, k]) => {
      const e: Record<string, unknown> = { ...event };
      if (where === 'property') e.properties = { note: text };
      else if (where === 'propertyKey') e.properties = { [text.slice(0, 64) || 'empty']: 'v' };
      else if (where === 'url') Object.assign(e, { type: 'page_view', url: text || '/' });
      else if (where === 'query') Object.assign(e, { type: 'search', query: text || '?', resultsCount: 0 });
      else e[where] = text;
      return kase(kind, json(e), k);
    });

const deepNesting = fc
  .tuple(validEvent, fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1000, max: 200_000 })), fc.boolean(), key)
  .map(([event, depth, inside, k]) => {
    if (!inside) return kase('deeply nested JSON', `${'['.repeat(depth)}${']'.repeat(depth)}`, k);
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return kase('deeply nested JSON', json({ ...event, properties: '@@NEST@@' }).replace('"@@NEST@@"', nested), k);
  });

const OUT_OF_RANGE = [
  '1e309',
  '-1e309',
  '1e308',
  '-0',
  '2e-400',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.1e-999',
  '1.5',
  '-1',
];
const numbersOutOfRange = fc
  .tuple(
    validEvent,
    fc.constantFrom(...OUT_OF_RANGE),
    fc.constantFrom('quantity', 'price', 'cartValue', 'itemCount', 'resultsCount', 'occurredAt'),
    key,
  )
  .map(([event, number, field, k]) => kase('number out of range', json({ ...event, [field]: '@@NUM@@' }).replace('"@@NUM@@"', number), k));

const BAD_DATES: readonly unknown[] = [
  '2024-02-30T00:00:00Z',
  '2024-13-01T00:00:00Z',
  '2024-01-01T25:61:61Z',
  '2024-01-01T00:00:00+25:00',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  'yesterday',
  '',
  '1999-12-31T23:59:59Z',
  '2999-01-01T00:00:00Z',
  8.64e15,
  -8.64e15,
  1e20,
  0,
  -1,
  null,
  [],
  {},
];
const invalidDates = fc
  .tuple(validEvent, fc.oneof(fc.constantFrom(...BAD_DATES), fc.string({ maxLength: 30 }), fc.double()), key)
  .map(([event, occurredAt, k]) => kase('invalid date', json({ ...event, occurredAt }), k));

const BAD_CURRENCIES: readonly unknown[] = ['', 'EU', 'EURO', '€', 'usd ', 'XXX', 'XTS', '\u0000EU', '978', 978, null, ['EUR'], 'ÉUR'];
const invalidCurrencies = fc
  .tuple(validEvent, fc.oneof(fc.constantFrom(...BAD_CURRENCIES), fc.string({ maxLength: 5 })), key)
  .map(([event, currency, k]) =>
    kase('invalid currency', json({ ...event, type: 'purchase', orderId: 'o-1', sku: skus[0], quantity: 1, price: 9.5, currency }), k),
  );

const protoKeys = fc
  .tuple(validEvent, fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'), fc.boolean(), key)
  .map(([event, name, top, k]) => {
    const poison = `{"polluted":"yes","prototype":{"polluted":"yes"}}`;
    const text = top
      ? json(event).replace(/}$/, `,"${name}":${poison}}`)
      : json({ ...event, properties: '@@P@@' }).replace('"@@P@@"', `{"${name}":"v","safe":"w"}`);
    return kase('__proto__ / constructor keys', text, k);
  });

const hugeStrings = fc
  .tuple(validEvent, fc.integer({ min: 1025, max: 200_000 }), fc.constantFrom('url', 'userAgent', 'query', 'property'), key)
  .map(([event, length, where, k]) => {
    const big = 'é'.repeat(Math.ceil(length / 2)).slice(0, length);
    const e = where === 'property' ? { ...event, properties: { note: big } } : { ...event, [where]: big };
    return kase('huge string', json(e), k);
  });

const oversized = fc
  .tuple(validEvent, fc.integer({ min: MAX_EVENT_BYTES - 200, max: MAX_EVENT_BYTES * 8 }), key)
  .map(([event, bytes, k]) => kase('oversized record', json({ ...event, properties: { blob: 'x'.repeat(bytes) } }), k));

const truncated = fc.tuple(validEvent, fc.double({ min: 0, max: 1, noNaN: true }), key).map(([event, at, k]) => {
  const text = json(event);
  return kase('truncated JSON', text.slice(0, Math.floor(at * (text.length - 1))), k);
});

const mutated = fc
  .tuple(
    validEvent,
    fc.constantFrom('eventId', 'type', 'source', 'occurredAt', 'userId', 'sku', 'quantity', 'properties', 'ip', 'schemaVersion'),
    fc.jsonValue({ maxDepth: 3 }),
    key,
  )
  .map(([event, field, value, k]) => kase('valid event, one field replaced', json({ ...event, [field]: value }), k));

export const hostileCase: fc.Arbitrary<HostileCase> = fc.oneof(
  fc.record({ kind: fc.constant('random bytes'), bytes: fc.uint8Array({ maxLength: 2000 }), key }),
  fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }), key).map(([text, k]) => kase('random text', text, k)),
  fc.tuple(fc.jsonValue({ maxDepth: 4 }), key).map(([value, k]) => kase('JSON of the wrong shape', json(value) ?? 'null', k)),
  truncated,
  deepNesting,
  hugeStrings,
  protoKeys,
  numbersOutOfRange,
  invalidDates,
  invalidCurrencies,
  withText('SQL-looking text', fc.constantFrom(...SQL_TEXT)),
  withText('emoji and right-to-left text', fc.constantFrom(...UNICODE_TEXT)),
  withText('hostile text', hostileString),
  mutated,
  oversized,
  validEvent.map((event) => kase('valid event', json(event), null)),
);
