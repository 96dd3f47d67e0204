import { describe, expect, it } from 'vitest';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { IpCountryIndex } from '../../src/enrichment/ip-country-index.js';
import { ReferenceDataCache } from '../../src/enrichment/reference-data.js';
import { UserAgentClassifier } from '../../src/enrichment/user-agent-classifier.js';
import type { EnrichedEvent } from '../../src/events/event-schemas.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import { pipeline } from '../../src/pipeline/definition.js';
import { collectingPublisher, headerText, loadEvent, silentLogger } from '../helpers/fixtures.js';
import { countingSource } from '../helpers/reference.js';

function setup(source = countingSource()) {
  const publisher = collectingPublisher();
  const handler = createStageHandler('enrich', { pipeline, publisher, logger: silentLogger, reference: new ReferenceDataCache(source) });
  return { publisher, handler, source };
}
const eventOf = (r: { value: Buffer | string | null }) => JSON.parse(String(r.value)) as EnrichedEvent;

describe('enrich handler', () => {
  it('joins the catalogue, converts money to USD, resolves country and classifies agents', async () => {
    const { publisher, handler } = setup();

    await handler(loadEvent('enrich/valid-batch.json'));

    expect(publisher.records.every((r) => r.topic === pipeline.topics.enriched.name)).toBe(true);
    const byId = new Map(publisher.records.map((r) => [eventOf(r).eventId, eventOf(r).enrichment]));
    expect(byId.get('evt-0006')).toMatchObject({
      category: 'home',
      valueUsd: 56.84,
      revenueUsd: 56.84,
      country: 'DE',
      deviceClass: 'mobile',
      os: 'iOS',
      isBot: false,
    });
    expect(byId.get('evt-0004')).toMatchObject({ valueUsd: 56.84, revenueUsd: null });
    expect(byId.get('evt-0007')).toMatchObject({ revenueUsd: 7.8, deviceClass: 'pos', country: null });
    expect(byId.get('evt-0005')).toMatchObject({ country: 'DE' }); // from an IPv6 range
    expect(byId.get('evt-0001')).toMatchObject({ deviceClass: 'desktop', browser: 'Chrome', country: 'US' });
    expect(byId.get('evt-0008')).toMatchObject({ deviceClass: 'bot', isBot: true });
  });

  it('sends what it cannot enrich to the DLQ with the reason', async () => {
    const { publisher, handler } = setup();

    await handler(loadEvent('enrich/unenrichable-records.json'));

    expect(publisher.records.map((r) => [r.topic, headerText(r, DlqHeader.reason), headerText(r, DlqHeader.stage)])).toEqual([
      [pipeline.topics.dlq.name, 'UNKNOWN_PRODUCT', 'enrich'],
      [pipeline.topics.dlq.name, 'NO_CURRENCY_RATE', 'enrich'],
      [pipeline.topics.dlq.name, 'MALFORMED_INTERNAL_RECORD', 'enrich'],
    ]);
  });

  it('reads reference data once per TTL, serves a stale copy when a refresh fails, throws with none', async () => {
    let now = 0;
    const source = countingSource();
    const cache = new ReferenceDataCache(source, 1000, () => now);

    await cache.get();
    await cache.get();
    expect(source.loads).toBe(1);

    now = 1500;
    source.fail = true;
    await expect(cache.get()).resolves.toBeDefined();
    expect(source.loads).toBe(2);

    const cold = new ReferenceDataCache(source, 1000, () => now);
    await expect(cold.get()).rejects.toThrow('store unreachable');
  });

  it('throws (so the batch is retried) when reference data cannot be loaded at all', async () => {
    const source = countingSource();
    source.fail = true;
    const { handler, publisher } = setup(source);

    await expect(handler(loadEvent('enrich/valid-batch.json'))).rejects.toThrow('store unreachable');
    expect(publisher.records).toEqual([]);
  });
});

describe('IpCountryIndex', () => {
  const index = new IpCountryIndex([
    { network: '10.0.0.0/8', country: 'AA' },
    { network: '192.168.1.0/24', country: 'BB' },
    { network: '2001:db8::/32', country: 'CC' },
  ]);

  it.each([
    ['10.255.255.255', 'AA'],
    ['11.0.0.0', null],
    ['192.168.1.77', 'BB'],
    ['192.168.2.1', null],
    ['2001:db8:ffff::1', 'CC'],
    ['2001:db9::1', null],
    ['::ffff:10.1.2.3', null],
    ['not-an-ip', null],
  ])('%s -> %s', (ip, country) => {
    expect(index.lookup(ip)).toBe(country);
  });
});

describe('UserAgentClassifier', () => {
  it('parses each distinct agent once', () => {
    const agents = new UserAgentClassifier(2);
    const ua =
      'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

    const first = agents.classify(ua);

    expect(first).toMatchObject({ deviceClass: 'tablet', isBot: false });
    expect(agents.classify(ua)).toBe(first);
    expect(agents.classify(undefined)).toMatchObject({ deviceClass: 'unknown' });
  });
});
