import { isIPv6 } from 'node:net';
import { isbot } from 'isbot';
import { describe, expect, it } from 'vitest';
import { GeneratorOptionsError } from '../../local/generator/errors.js';
import { GENERATED_INVALID_REASONS } from '../../local/generator/invalid-records.js';
import { createTrafficGenerator, type GeneratedRecord } from '../../local/generator/storefront-traffic.js';
import { ALL_USER_AGENTS } from '../../local/generator/user-agents.js';
import { sampleReferenceData } from '../../local/reference/sample-reference-data.js';
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { CleanEvent } from '../../src/events/event-schemas.js';
import { InvalidReason } from '../../src/events/invalid-reason.js';
import { validateRawEvent } from '../../src/events/validate-raw-event.js';
import { SAMPLE_USD_RATES } from '../../src/reference/currency-rates.js';
import { productCatalogue } from '../../src/reference/product-catalogue.js';
import { enrichEvent } from '../../src/stages/enrich.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
/** A clock that advances 1 ms per reading, so every run of a seed sees the same times. */
const steppingClock = () => {
  let t = T0;
  return { now: () => t++, current: () => t };
};

function generate(count: number, seed = 11, extra: Parameters<typeof createTrafficGenerator>[0] | object = {}) {
  const clock = steppingClock();
  const generator = createTrafficGenerator({ seed, now: clock.now, ...extra });
  const records: GeneratedRecord[] = [];
  for (let i = 0; i < count; i++) records.push(generator.next());
  return { records, clock };
}

// One shared run of 20,000 records for the statistical checks.
const { records: run, clock: runClock } = generate(20_000);
const receivedAt = runClock.current();
const validEvents: CleanEvent[] = [];
for (const r of run) {
  if (r.kind !== 'valid') continue;
  const result = validateRawEvent(r.value, receivedAt);
  if (result.ok) validEvents.push(result.event);
}
const reference = sampleReferenceData();
const agents = new UserAgentClassifier();
const count = <T>(items: readonly T[], predicate: (item: T) => boolean) => items.filter(predicate).length;

describe('createTrafficGenerator', () => {
  it('gives the same records, byte for byte, for the same seed and clock; another seed differs', () => {
    const a = generate(3000, 5).records;
    const b = generate(3000, 5).records;
    const c = generate(3000, 6).records;

    expect(b.map((r) => [r.key, r.value?.toString('base64'), r.kind, r.expectedReason])).toEqual(
      a.map((r) => [r.key, r.value?.toString('base64'), r.kind, r.expectedReason]),
    );
    expect(c.map((r) => r.value?.toString('base64'))).not.toEqual(a.map((r) => r.value?.toString('base64')));
  });

  it('makes about 1% invalid and 0.5% duplicate records over 20,000 by default, and other shares when asked', () => {
    const invalid = count(run, (r) => r.kind === 'invalid');
    const duplicates = count(run, (r) => r.kind === 'duplicate');
    expect(invalid).toBeGreaterThanOrEqual(150);
    expect(invalid).toBeLessThanOrEqual(250);
    expect(duplicates).toBeGreaterThanOrEqual(70);
    expect(duplicates).toBeLessThanOrEqual(130);

    const custom = generate(5000, 3, { invalidShare: 0.2, duplicateShare: 0.1 }).records;
    expect(count(custom, (r) => r.kind === 'invalid') / 5000).toBeCloseTo(0.2, 1);
    expect(count(custom, (r) => r.kind === 'duplicate') / 5000).toBeCloseTo(0.1, 1);
    const none = generate(2000, 3, { invalidShare: 0, duplicateShare: 0 }).records;
    expect(none.every((r) => r.kind === 'valid')).toBe(true);
  });

  it('makes every valid record pass ingest and enrich with the sample reference data, with a country', () => {
    const valid = run.filter((r) => r.kind === 'valid');
    expect(validEvents).toHaveLength(valid.length);
    const unenriched = validEvents.filter((event) => {
      const enriched = enrichEvent(event, reference, agents);
      return !enriched.ok || enriched.enrichment.country === null;
    });
    expect(unenriched).toEqual([]);
    // Keys are the entity ingest keys by; event ids are unique.
    expect(
      valid.filter((r) => {
        const result = validateRawEvent(r.value, receivedAt);
        return !result.ok || result.key !== r.key;
      }),
    ).toEqual([]);
    expect(new Set(valid.map((r) => r.eventId)).size).toBe(valid.length);
  });

  it('gives every invalid record exactly its expected reason, at the expected stage, and covers every reason', () => {
    const invalid = generate(20_000, 21, { invalidShare: 0.05 });
    const at = invalid.clock.current();
    const seen = new Set<string>();
    for (const r of invalid.records.filter((x) => x.kind === 'invalid')) {
      const ingest = validateRawEvent(r.value, at);
      const label = `${r.expectedReason}: ${r.value?.subarray(0, 300).toString('utf8')}`;
      if (r.expectedStage === 'ingest') {
        expect(ingest.ok ? 'OK' : ingest.reason, label).toBe(r.expectedReason);
      } else {
        expect(ingest.ok, label).toBe(true);
        if (!ingest.ok) continue;
        expect(ingest.event.eventId).toBe(r.eventId);
        const enriched = enrichEvent(ingest.event, reference, agents);
        expect(enriched.ok ? 'OK' : enriched.reason, label).toBe(r.expectedReason);
      }
      seen.add(r.expectedReason as string);
    }
    expect([...seen].sort()).toEqual([...GENERATED_INVALID_REASONS].sort());
    expect(seen.has(InvalidReason.NO_CURRENCY_RATE) && seen.has(InvalidReason.UNKNOWN_PRODUCT)).toBe(true);
  });

  it('re-sends earlier valid records byte for byte as duplicates, with the same key and event id', () => {
    const firstById = new Map<string, GeneratedRecord>();
    for (const r of run) {
      if (r.kind === 'valid') firstById.set(r.eventId as string, r);
      if (r.kind !== 'duplicate') continue;
      const original = firstById.get(r.eventId as string);
      expect(original, 'a duplicate repeats a record sent before it').toBeDefined();
      expect(r.value?.equals(original?.value as Buffer)).toBe(true);
      expect(r.key).toBe(original?.key);
    }
  });

  it('draws products with a long tail: the top 10% of SKUs take a clear majority of product views', () => {
    const views = new Map<string, number>();
    for (const e of validEvents) if (e.type === 'product_view') views.set(e.sku, (views.get(e.sku) ?? 0) + 1);
    const catalogueSize = productCatalogue().length;
    const sorted = [...views.values()].sort((a, b) => b - a);
    const total = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, catalogueSize / 10).reduce((a, b) => a + b, 0);

    expect(top / total).toBeGreaterThan(0.55);
    // ...and still a tail: most of the catalogue is seen at least once.
    expect(views.size).toBeGreaterThan(catalogueSize / 2);
  });

  it('walks a funnel that narrows: sessions viewing > adding to cart > checking out > paying', () => {
    const sessionsWith = (type: string) => new Set(validEvents.filter((e) => e.type === type).map((e) => e.sessionId)).size;
    const [views, carts, checkouts, purchases] = ['product_view', 'add_to_cart', 'checkout', 'purchase'].map(sessionsWith) as [
      number,
      number,
      number,
      number,
    ];

    expect(views).toBeGreaterThan(carts);
    expect(carts).toBeGreaterThan(checkouts);
    expect(checkouts).toBeGreaterThan(purchases);
    expect(purchases).toBeGreaterThan(0);
    // Events narrow too; a purchase is one order line, so orders are compared with checkouts.
    const events = (type: string) => count(validEvents, (e) => e.type === type);
    expect(events('product_view')).toBeGreaterThan(events('add_to_cart'));
    expect(events('add_to_cart')).toBeGreaterThan(events('checkout'));
    const orders = new Set(validEvents.flatMap((e) => (e.type === 'purchase' ? [e.orderId] : []))).size;
    expect(events('checkout')).toBeGreaterThan(orders);
    // A checkout totals its cart's lines.
    const lines = validEvents.filter((e) => e.type === 'purchase');
    expect(lines.length).toBeGreaterThan(orders);
  });

  it('prices in currencies weighted toward USD, EUR and GBP, all with a sample rate', () => {
    const currencies = validEvents.flatMap((e) => ('currency' in e ? [e.currency] : []));
    const major = count(currencies, (c) => c === 'USD' || c === 'EUR' || c === 'GBP');

    expect(major / currencies.length).toBeGreaterThan(0.6);
    expect(new Set(currencies).size).toBeGreaterThan(10);
    for (const c of currencies) expect(SAMPLE_USD_RATES[c], c).toBeDefined();
    // Some producers send lower case; ingest normalises.
    expect(run.some((r) => r.kind === 'valid' && /"currency":"[a-z]{3}"/.test(String(r.value)))).toBe(true);
  });

  it('repeats a small pool of real user agents, includes bots, and sends none from tills', () => {
    const userAgents = validEvents.flatMap((e) => (e.userAgent === undefined ? [] : [e.userAgent]));
    const distinct = new Set(userAgents);
    expect(distinct.size).toBeLessThanOrEqual(ALL_USER_AGENTS.length);
    expect(userAgents.length / distinct.size).toBeGreaterThan(100);
    expect(userAgents.some((ua) => isbot(ua))).toBe(true);
    const classes = new Set(userAgents.map((ua) => agents.classify(ua).deviceClass));
    expect([...classes]).toEqual(expect.arrayContaining(['desktop', 'mobile', 'tablet', 'bot']));
    const pos = validEvents.filter((e) => e.source === 'pos');
    expect(pos.length).toBeGreaterThan(0);
    expect(pos.every((e) => e.userAgent === undefined && e.deviceId !== undefined && e.userId === undefined)).toBe(true);
  });

  it('uses IPv4 mostly and some IPv6, and mixes ISO times (UTC and with offsets) with epoch milliseconds', () => {
    const ips = validEvents.flatMap((e) => (e.ip === undefined ? [] : [e.ip]));
    const v6 = count(ips, (ip) => isIPv6(ip)) / ips.length;
    expect(v6).toBeGreaterThan(0.04);
    expect(v6).toBeLessThan(0.25);

    const raw = run
      .filter((r) => r.kind === 'valid')
      .map((r) => (JSON.parse(String(r.value)) as { occurredAt: string | number }).occurredAt);
    expect(raw.some((t) => typeof t === 'number')).toBe(true);
    expect(raw.some((t) => typeof t === 'string' && t.endsWith('Z'))).toBe(true);
    expect(raw.some((t) => typeof t === 'string' && /[+-]\d{2}:\d{2}$/.test(t))).toBe(true);
    // Times come from the injected clock.
    for (const e of validEvents.slice(0, 500)) expect(Date.parse(e.occurredAt)).toBeGreaterThanOrEqual(T0);
  });

  it('puts the run id in every id, so runs with one seed do not collide in a store', () => {
    const a = generate(200, 1, { runId: 'alpha' }).records.filter((r) => r.kind === 'valid');
    const b = generate(200, 1, { runId: 'beta' }).records.filter((r) => r.kind === 'valid');

    expect(a.every((r) => r.eventId?.includes('alpha'))).toBe(true);
    expect(a.some((r) => b.some((s) => s.eventId === r.eventId))).toBe(false);
  });

  it('rejects options out of range with a clear message', () => {
    expect(() => createTrafficGenerator({ seed: 1, invalidShare: 1.5 })).toThrow(
      new GeneratorOptionsError('invalidShare must be between 0 and 1, got 1.5'),
    );
    expect(() => createTrafficGenerator({ seed: 1, invalidShare: 0.7, duplicateShare: 0.5 })).toThrow(/at most 1/);
    expect(() => createTrafficGenerator({ seed: 1.5 })).toThrow(/seed must be a whole number/);
    expect(() => createTrafficGenerator({ seed: 1, runId: 'has space' })).toThrow(/runId/);
  });
});
