/**
 * The storefront activity stream, schema version 1: what web, mobile and POS producers send to the
 * raw topic. Shapes are checked here; rules zod cannot say cheaply (ISO currency, plausible event
 * time, one entity id) are checked in validate-raw-event.ts so each gets its own reason code.
 */
import { z } from 'zod';

export const EVENT_TYPES = ['page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SOURCES = ['web', 'mobile', 'pos'] as const;
export const CURRENT_SCHEMA_VERSION = 1;

const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:@-]+$/, 'letters, digits and . : @ - _ only');
const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'letters, digits and . - _ only');
const quantity = z.number().int().min(1).max(10_000);
const money = z.number().min(0).max(10_000_000);
const currency = z.string();

const common = {
  eventId: id,
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION).optional(),
  source: z.enum(SOURCES),
  /** ISO 8601 with a zone, or epoch milliseconds. */
  occurredAt: z.union([z.string().max(40), z.number()]),
  userId: id.optional(),
  sessionId: id.optional(),
  deviceId: id.optional(),
  ip: z.string().max(45).optional(),
  userAgent: z.string().max(1024).optional(),
  /** Free-form producer attributes, kept with the event. */
  properties: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
};

export const eventSchemas = {
  page_view: z.object({
    ...common,
    type: z.literal('page_view'),
    url: z.string().min(1).max(2048),
    referrer: z.string().max(2048).optional(),
  }),
  product_view: z.object({ ...common, type: z.literal('product_view'), sku }),
  search: z.object({
    ...common,
    type: z.literal('search'),
    query: z.string().min(1).max(256),
    resultsCount: z.number().int().min(0).max(1_000_000),
  }),
  add_to_cart: z.object({ ...common, type: z.literal('add_to_cart'), sku, quantity, price: money, currency }),
  checkout: z.object({ ...common, type: z.literal('checkout'), cartValue: money, currency, itemCount: z.number().int().min(1).max(1000) }),
  // One event per order line, so revenue keeps its product and category.
  purchase: z.object({ ...common, type: z.literal('purchase'), orderId: id, sku, quantity, price: money, currency }),
} satisfies Record<EventType, z.ZodType>;

export type RawEvent = { [T in EventType]: z.infer<(typeof eventSchemas)[T]> }[EventType];

/** An event after ingest: version set, times in UTC ISO 8601, currency upper case, arrival time added. */
export type CleanEvent = RawEvent extends infer E
  ? E extends RawEvent
    ? Omit<E, 'occurredAt' | 'schemaVersion'> & {
        schemaVersion: number;
        occurredAt: string;
        /** When the record entered the raw topic (its Kafka timestamp), ISO 8601 UTC. */
        receivedAt: string;
      }
    : never
  : never;

/** Fields enrich adds. Absent dimensions are null. */
export interface Enrichment {
  productName: string | null;
  category: string | null;
  /** Money the event carries (cart line, cart, order line) in USD. */
  valueUsd: number | null;
  /** valueUsd of purchases only. */
  revenueUsd: number | null;
  country: string | null;
  deviceClass: string;
  browser: string | null;
  os: string | null;
  isBot: boolean;
}

export type EnrichedEvent = CleanEvent & { enrichment: Enrichment };

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Amount and currency of an event, when it carries money. */
export function moneyOf(event: CleanEvent): { amount: number; currency: string } | null {
  switch (event.type) {
    case 'add_to_cart':
    case 'purchase':
      return { amount: event.price * event.quantity, currency: event.currency };
    case 'checkout':
      return { amount: event.cartValue, currency: event.currency };
    default:
      return null;
  }
}
