/**
 * Builds the MSK event fixtures in events/ from readable source records, through the same codec the
 * local twin uses. Run `npx tsx events/build-fixtures.ts` after changing it; the JSON is committed.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleReferenceData } from '../local/reference/sample-reference-data.js';
import { UserAgentClassifier } from '../src/enrichment/user-agent-classifier.js';
import type { KafkaRecord, MskEvent } from '../src/kafka/msk-event.js';
import { encodeMskEvent } from '../src/kafka/msk-event-codec.js';
import { pipeline } from '../src/pipeline/definition.js';
import { enrichBatch } from '../src/stages/enrich.js';
import { ingestBatch } from '../src/stages/ingest.js';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const source = {
  eventSource: 'aws:kafka' as const,
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/storefront/8a1b2c3d-0000-4000-8000-000000000001-s1',
  bootstrapServers: 'boot-abc123.c1.kafka-serverless.us-east-1.amazonaws.com:9098',
};
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export const RAW_EVENTS = [
  {
    eventId: 'evt-0001',
    type: 'page_view',
    source: 'web',
    occurredAt: '2026-11-20T12:59:58.120+01:00',
    userId: 'u-100',
    sessionId: 's-100',
    ip: '20.0.4.7',
    userAgent: CHROME,
    url: '/',
    referrer: 'https://search.example/',
  },
  {
    eventId: 'evt-0002',
    type: 'search',
    source: 'web',
    occurredAt: '2026-11-20T11:59:59.000Z',
    userId: 'u-100',
    sessionId: 's-100',
    ip: '20.0.4.7',
    userAgent: CHROME,
    query: 'lamp',
    resultsCount: 12,
  },
  {
    eventId: 'evt-0003',
    type: 'product_view',
    source: 'mobile',
    occurredAt: T0 - 900,
    userId: 'u-200',
    sessionId: 's-200',
    ip: '21.16.0.9',
    userAgent: IPHONE,
    sku: 'SKU-00004',
  },
  {
    eventId: 'evt-0004',
    type: 'add_to_cart',
    source: 'mobile',
    occurredAt: T0 - 800,
    userId: 'u-200',
    sessionId: 's-200',
    ip: '21.16.0.9',
    userAgent: IPHONE,
    sku: 'SKU-00004',
    quantity: 2,
    price: 24.5,
    currency: 'eur',
  },
  {
    eventId: 'evt-0005',
    type: 'checkout',
    source: 'mobile',
    occurredAt: T0 - 700,
    userId: 'u-200',
    sessionId: 's-200',
    ip: '2001:db8:2::15',
    userAgent: IPHONE,
    cartValue: 49,
    currency: 'EUR',
    itemCount: 2,
  },
  {
    eventId: 'evt-0006',
    type: 'purchase',
    source: 'mobile',
    occurredAt: T0 - 600,
    userId: 'u-200',
    sessionId: 's-200',
    ip: '21.16.0.9',
    userAgent: IPHONE,
    orderId: 'o-9001',
    sku: 'SKU-00004',
    quantity: 2,
    price: 24.5,
    currency: 'EUR',
  },
  {
    eventId: 'evt-0007',
    type: 'purchase',
    source: 'pos',
    occurredAt: T0 - 500,
    deviceId: 'till-07',
    orderId: 'o-9002',
    sku: 'SKU-00010',
    quantity: 1,
    price: 1200,
    currency: 'JPY',
    properties: { store: 'Shibuya', lane: 3 },
  },
  {
    eventId: 'evt-0008',
    type: 'page_view',
    source: 'web',
    occurredAt: T0 - 400,
    userId: 'bot-1',
    ip: '22.32.1.1',
    userAgent: BOT,
    url: '/products/SKU-00004',
  },
];

const utf8 = (text: string) => Buffer.from(text, 'utf8');
let offset = 40;
function raw(
  partition: number,
  value: Buffer | null,
  key: string | null,
  headers: KafkaRecord['headers'] = [],
  topic = pipeline.topics.raw.name,
): KafkaRecord {
  return {
    topic,
    partition,
    offset: offset++,
    timestamp: T0,
    timestampType: 'CREATE_TIME',
    key: key === null ? null : utf8(key),
    value,
    headers,
  };
}

/** Pretty JSON with byte arrays kept on one line. */
function write(path: string, event: MskEvent): void {
  const text = JSON.stringify(event, null, 2).replace(
    /\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]/g,
    (_, list: string) => `[${list.replace(/\s+/g, '')}]`,
  );
  writeFileSync(join(here, path), `${text}\n`);
}

// ingest: a valid batch over two partitions, one keyless record, headers with non-ASCII bytes.
const validRaw = RAW_EVENTS.map((e, i) =>
  raw(
    i % 2,
    utf8(JSON.stringify(e)),
    i === 7 ? null : (e.userId ?? e.deviceId ?? null),
    i === 0
      ? [
          { key: 'traceparent', value: utf8('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') },
          { key: 'origin', value: utf8('café-ë') },
        ]
      : [],
  ),
);
write('ingest/valid-batch.json', encodeMskEvent(validRaw, source));

const good = RAW_EVENTS[3] as Record<string, unknown>;
const variant = (patch: Record<string, unknown>) => utf8(JSON.stringify({ ...good, ...patch }));
export const INVALID_RAW: Record<string, Buffer | null> = {
  EMPTY_VALUE: null,
  TOO_LARGE: variant({ properties: { note: 'x'.repeat(40_000) } }),
  NOT_UTF8: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  NOT_JSON: utf8('{"eventId": "evt-bad", "type": '),
  NOT_AN_OBJECT: utf8('[1, 2, 3]'),
  UNKNOWN_TYPE: variant({ type: 'teleport' }),
  UNSUPPORTED_VERSION: variant({ schemaVersion: 7 }),
  MISSING_FIELD: variant({ sku: undefined }),
  WRONG_TYPE: variant({ quantity: 'two' }),
  IMPOSSIBLE_VALUE: variant({ quantity: -3 }),
  INVALID_TIMESTAMP: variant({ occurredAt: '2026-13-45T99:00:00Z' }),
  INVALID_CURRENCY: variant({ currency: 'XYZ' }),
};
const invalidRaw = Object.entries(INVALID_RAW).map(([reason, value], i) =>
  raw(i % 3, value, `k-${reason.toLowerCase()}`, [{ key: 'expect-reason', value: utf8(reason) }]),
);
write('ingest/invalid-records.json', encodeMskEvent(invalidRaw, source));

// enrich: what ingest made of the valid batch, plus records enrich cannot enrich.
const reference = sampleReferenceData();
const asRecord = (topic: string) => (o: { key: string | null; value: Buffer | string | null }, i: number) =>
  raw(i % 2, o.value === null ? null : Buffer.from(o.value), o.key, [], topic);
const clean = ingestBatch(validRaw, pipeline).outputs.filter((o) => o.topic === pipeline.topics.clean.name);
const cleanRecords = clean.map(asRecord(pipeline.topics.clean.name));
const cleanEvent = JSON.parse(String(clean[3]?.value)) as Record<string, unknown>;
const unenrichable = [
  raw(0, utf8(JSON.stringify({ ...cleanEvent, eventId: 'evt-unknown-sku', sku: 'SKU-99999' })), 'u-200', [], pipeline.topics.clean.name),
  raw(1, utf8(JSON.stringify({ ...cleanEvent, eventId: 'evt-no-rate', currency: 'XAU' })), 'u-200', [], pipeline.topics.clean.name),
  raw(1, utf8('not json at all'), 'u-200', [], pipeline.topics.clean.name),
];
write('enrich/valid-batch.json', encodeMskEvent(cleanRecords, source));
write('enrich/unenrichable-records.json', encodeMskEvent(unenrichable, source));

// sink: what enrich made of them, plus a record the sink cannot read.
const enriched = enrichBatch(cleanRecords, pipeline, reference, new UserAgentClassifier()).outputs;
const enrichedRecords = enriched.map(asRecord(pipeline.topics.enriched.name));
write('sink/valid-batch.json', encodeMskEvent(enrichedRecords, source));
write(
  'sink/malformed-record.json',
  encodeMskEvent([raw(0, utf8('{"eventId":"evt-x"}'), 'u-1', [], pipeline.topics.enriched.name)], source),
);

// Raw source events, one JSON object per line, for `tributary produce`.
writeFileSync(join(here, 'raw/storefront.ndjson'), `${RAW_EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
console.log('fixtures written');
