/**
 * Bad records as producers really send them, each with the reason the pipeline must give: ingest
 * rejects the malformed ones, enrich the well-formed ones it cannot join (unknown SKU, no USD rate).
 * Every variant starts from a valid event and breaks one thing, so the expected reason is exact.
 */
import { normaliseCurrency } from '../../src/events/currencies.js';
import type { EventType, RawEvent } from '../../src/events/event-schemas.js';
import { InvalidReason } from '../../src/events/invalid-reason.js';
import { MAX_EVENT_BYTES } from '../../src/events/validate-raw-event.js';
import type { Random } from '../../src/reference/seeded-random.js';
import { intBetween } from './weighted-choice.js';

/** The stage expected to send the record to the DLQ. */
export type RejectingStage = 'ingest' | 'enrich';

/** The reasons the generator produces; MALFORMED_INTERNAL_RECORD cannot come from a producer. */
export const GENERATED_INVALID_REASONS = [
  InvalidReason.EMPTY_VALUE,
  InvalidReason.TOO_LARGE,
  InvalidReason.NOT_UTF8,
  InvalidReason.NOT_JSON,
  InvalidReason.NOT_AN_OBJECT,
  InvalidReason.UNKNOWN_TYPE,
  InvalidReason.UNSUPPORTED_VERSION,
  InvalidReason.MISSING_FIELD,
  InvalidReason.WRONG_TYPE,
  InvalidReason.IMPOSSIBLE_VALUE,
  InvalidReason.INVALID_TIMESTAMP,
  InvalidReason.INVALID_CURRENCY,
  InvalidReason.UNKNOWN_PRODUCT,
  InvalidReason.NO_CURRENCY_RATE,
] as const;
export type GeneratedInvalidReason = (typeof GENERATED_INVALID_REASONS)[number];

export const ENRICH_REASONS: ReadonlySet<InvalidReason> = new Set([InvalidReason.UNKNOWN_PRODUCT, InvalidReason.NO_CURRENCY_RATE]);

export function rejectingStage(reason: InvalidReason): RejectingStage {
  return ENRICH_REASONS.has(reason) ? 'enrich' : 'ingest';
}

type Fields = Record<string, unknown>;

export interface InvalidVariant {
  readonly reason: GeneratedInvalidReason;
  /** The event types the variant can start from (it breaks a field they have). */
  readonly from: readonly EventType[];
  /** Whether the broken record still has a user or device to key it by. */
  readonly keyless?: boolean;
  make(event: RawEvent, tools: VariantTools): Buffer | null;
}

/** What variants need beyond the event: the random stream, the clock, the catalogue's SKUs. */
export interface VariantTools {
  readonly random: Random;
  readonly now: number;
  readonly unknownSku: (random: Random) => string;
  /** ISO 4217 codes with no sample USD rate. */
  readonly unratedCurrencies: readonly string[];
}

const ANY: readonly EventType[] = ['page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase'];
const WITH_SKU: readonly EventType[] = ['product_view', 'add_to_cart', 'purchase'];
const WITH_MONEY: readonly EventType[] = ['add_to_cart', 'checkout', 'purchase'];
const WITH_QUANTITY: readonly EventType[] = ['add_to_cart', 'purchase'];

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const patched = (event: RawEvent, patch: Fields): Buffer => json({ ...event, ...patch });
const without = (event: RawEvent, ...fields: string[]): Buffer => {
  const copy: Fields = { ...event };
  for (const field of fields) delete copy[field];
  return json(copy);
};
const oneOf = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

// Filler for oversized records, built once: a client attaching a session recording.
const FILLER = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/'.repeat(Math.ceil((MAX_EVENT_BYTES + 16_384) / 38));

const BAD_CURRENCY_CANDIDATES = ['EURO', 'US$', '€', 'XYZ', 'usd ', 'DOL', 'EU', 'POUND'];
/** Codes that are not ISO 4217 on this runtime (checked, since ICU data differs between builds). */
export const BAD_CURRENCIES: readonly string[] = BAD_CURRENCY_CANDIDATES.filter((c) => normaliseCurrency(c) === null);

const UNRATED_CANDIDATES = ['CNY', 'HKD', 'THB', 'TWD', 'CZK', 'HUF', 'TRY', 'AED', 'ILS'];

/** ISO 4217 codes (on this runtime) that have no rate in `usdRates`: valid at ingest, unconvertible at enrich. */
export function unratedCurrencies(usdRates: Readonly<Record<string, number>>): string[] {
  return UNRATED_CANDIDATES.filter((c) => normaliseCurrency(c) !== null && usdRates[c] === undefined);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

export const INVALID_VARIANTS: readonly InvalidVariant[] = [
  // A tombstone, and an empty body.
  { reason: InvalidReason.EMPTY_VALUE, from: ANY, make: () => null },
  { reason: InvalidReason.EMPTY_VALUE, from: ANY, make: () => Buffer.alloc(0) },
  {
    reason: InvalidReason.TOO_LARGE,
    from: ANY,
    make: (e, { random }) =>
      patched(e, { properties: { sessionReplay: FILLER.slice(0, MAX_EVENT_BYTES + intBetween(random, 1, 16_000)) } }),
  },
  // Latin-1 bytes where UTF-8 was promised.
  {
    reason: InvalidReason.NOT_UTF8,
    from: ['search'],
    make: (e) => Buffer.from(JSON.stringify({ ...e, query: 'crème brûlée café' }), 'latin1'),
  },
  {
    reason: InvalidReason.NOT_UTF8,
    from: ANY,
    make: (e) => {
      const bytes = json(e);
      // A multi-byte sequence cut short: a lead byte followed by ASCII.
      return Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([0xc3, 0x28]), bytes.subarray(bytes.length - 1)]);
    },
  },
  // Truncated in transit: every proper prefix of an object's JSON lacks its closing brace.
  {
    reason: InvalidReason.NOT_JSON,
    from: ANY,
    make: (e, { random }) => {
      const b = json(e);
      return b.subarray(0, intBetween(random, 1, b.length - 1));
    },
  },
  { reason: InvalidReason.NOT_JSON, from: ANY, make: (e) => Buffer.from(JSON.stringify(e).replaceAll('"', "'"), 'utf8') },
  {
    reason: InvalidReason.NOT_JSON,
    from: ANY,
    make: (e) => Buffer.from(new URLSearchParams(Object.entries(e).map(([k, v]) => [k, String(v)])).toString(), 'utf8'),
  },
  // A batch sent as one record, and bare JSON values.
  { reason: InvalidReason.NOT_AN_OBJECT, from: ANY, make: (e) => json([e]) },
  { reason: InvalidReason.NOT_AN_OBJECT, from: ANY, make: (e, { random }) => json(oneOf(random, [e.type, 42, null, true])) },
  {
    reason: InvalidReason.UNKNOWN_TYPE,
    from: ANY,
    make: (e, { random }) => patched(e, { type: oneOf(random, ['pageview', 'PageView', 'add-to-cart', 'wishlist_add', 'refund']) }),
  },
  {
    reason: InvalidReason.UNSUPPORTED_VERSION,
    from: ANY,
    make: (e, { random }) => patched(e, { schemaVersion: oneOf(random, [2, 0, '1']) }),
  },
  // Not occurredAt or source: ingest reports their absence as WRONG_TYPE and IMPOSSIBLE_VALUE today.
  { reason: InvalidReason.MISSING_FIELD, from: ANY, make: (e, { random }) => without(e, oneOf(random, ['eventId', 'type'])) },
  { reason: InvalidReason.MISSING_FIELD, from: ANY, keyless: true, make: (e) => without(e, 'userId', 'deviceId') },
  { reason: InvalidReason.MISSING_FIELD, from: WITH_SKU, make: (e) => without(e, 'sku') },
  { reason: InvalidReason.WRONG_TYPE, from: ANY, make: (e, { random }) => patched(e, { userId: intBetween(random, 1, 99_999) }) },
  { reason: InvalidReason.WRONG_TYPE, from: ANY, make: (e) => patched(e, { occurredAt: true }) },
  { reason: InvalidReason.WRONG_TYPE, from: ANY, make: (e) => patched(e, { properties: 'campaign=spring-sale' }) },
  { reason: InvalidReason.WRONG_TYPE, from: WITH_QUANTITY, make: (e) => patched(e, { quantity: 'two' }) },
  { reason: InvalidReason.WRONG_TYPE, from: WITH_MONEY, make: (e) => patched(e, { currency: 978 }) },
  {
    reason: InvalidReason.IMPOSSIBLE_VALUE,
    from: ANY,
    make: (e, { random }) => patched(e, { ip: oneOf(random, ['300.12.0.1', '10.0.0', 'localhost']) }),
  },
  { reason: InvalidReason.IMPOSSIBLE_VALUE, from: ANY, make: (e) => patched(e, { source: 'fax' }) },
  { reason: InvalidReason.IMPOSSIBLE_VALUE, from: ANY, make: (e) => patched(e, { eventId: `${e.eventId} copy` }) },
  {
    reason: InvalidReason.IMPOSSIBLE_VALUE,
    from: WITH_QUANTITY,
    make: (e, { random }) => patched(e, { quantity: oneOf(random, [0, -1, 1.5]) }),
  },
  {
    reason: InvalidReason.IMPOSSIBLE_VALUE,
    from: WITH_MONEY,
    make: (e) => ('price' in e ? patched(e, { price: -e.price }) : patched(e, { cartValue: -1 })),
  },
  // Epoch seconds for milliseconds (lands in 1970), a local time without a zone, a clock far ahead.
  { reason: InvalidReason.INVALID_TIMESTAMP, from: ANY, make: (e, { now }) => patched(e, { occurredAt: Math.floor(now / 1000) }) },
  {
    reason: InvalidReason.INVALID_TIMESTAMP,
    from: ANY,
    make: (e, { now }) => patched(e, { occurredAt: new Date(now).toISOString().slice(0, 19) }),
  },
  {
    reason: InvalidReason.INVALID_TIMESTAMP,
    from: ANY,
    make: (e, { now }) => patched(e, { occurredAt: new Date(now + 86_400_000).toISOString() }),
  },
  {
    reason: InvalidReason.INVALID_TIMESTAMP,
    from: ANY,
    make: (e, { now }) => {
      const d = new Date(now);
      return patched(e, {
        occurredAt: `${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`,
      });
    },
  },
  {
    reason: InvalidReason.INVALID_TIMESTAMP,
    from: ANY,
    make: (e, { now }) => patched(e, { occurredAt: `${new Date(now).getUTCFullYear()}-02-30T10:00:00Z` }),
  },
  {
    reason: InvalidReason.INVALID_CURRENCY,
    from: WITH_MONEY,
    make: (e, { random }) => patched(e, { currency: oneOf(random, BAD_CURRENCIES) }),
  },
  { reason: InvalidReason.UNKNOWN_PRODUCT, from: WITH_SKU, make: (e, { random, unknownSku }) => patched(e, { sku: unknownSku(random) }) },
  {
    reason: InvalidReason.NO_CURRENCY_RATE,
    from: WITH_MONEY,
    make: (e, { random, unratedCurrencies }) => patched(e, { currency: oneOf(random, unratedCurrencies) }),
  },
];
