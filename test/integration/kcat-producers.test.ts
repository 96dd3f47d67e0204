/**
 * The twin fed by a producer that is not kafkajs: kcat (librdkafka), as Java and C producers write.
 * Null and empty header values, repeated header keys, batches compressed with each of Kafka's four
 * codecs, a transactional and an idempotent producer, transaction markers, a keyless tombstone. Every valid event is
 * stored, the tombstone goes to the DLQ with its headers, nothing stalls, every stage drains.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryJson } from '../../local/dlq/dlq-format.js';
import { readDlqEntries } from '../../local/dlq/dlq-reader.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { installKafkajsPatches } from '../../src/kafka/kafkajs-patches.js';
import type { MskEvent, MskRecord } from '../../src/kafka/msk-event.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { appendCommitMarker } from '../helpers/control-record.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const { CompressionCodecs, CompressionTypes } = kafkajs;

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const CODEC_TYPES = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const PER_PRODUCER = 60;

/** A valid page view of about 2 KB: values this size are what producers compress. */
function pageView(eventId: string): string {
  const path = Array.from({ length: 40 }, (_, i) => `section-${i}`).join('/');
  return JSON.stringify({
    eventId,
    type: 'page_view',
    source: 'web',
    occurredAt: new Date().toISOString(),
    userId: `u-${eventId}`,
    sessionId: `s-${eventId}`,
    url: `/${path}`,
    referrer: `https://search.example/?q=${path}`,
    properties: { producer: 'kcat', note: 'x'.repeat(600) },
  });
}

/** kcat sends each stdin line as one record. */
async function kcat(bootstrap: string, topic: string, args: readonly string[], lines: readonly string[]): Promise<void> {
  const child = run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-q', ...args], { timeout: 60_000 });
  child.child.stdin?.end(`${lines.join('\n')}\n`);
  await child;
}

type Codec = { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };

describe('records from kcat (librdkafka) through the twin', () => {
  let store: TestStore;
  let twin: LocalTwin;
  let drained = false;
  const ingested: MskRecord[] = [];
  const valid = new Set<string>();
  const decompressed: Record<string, number> = {};
  const codecs = CompressionCodecs as Record<number, () => Codec>;
  const registered = new Map<number, () => Codec>();
  /** "partition:offset" of the COMMIT markers written. */
  const markers: string[] = [];

  beforeAll(async () => {
    // Count what each codec decompresses: proof that kcat's batches really arrived compressed.
    installKafkajsPatches();
    for (const name of CODECS) {
      const type = CODEC_TYPES[name];
      const factory = codecs[type];
      if (!factory) throw new Error(`no ${name} codec registered`);
      registered.set(type, factory);
      codecs[type] = () => {
        const codec = factory();
        return {
          compress: (e) => codec.compress(e),
          decompress: (b) => {
            decompressed[name] = (decompressed[name] ?? 0) + 1;
            return codec.decompress(b);
          },
        };
      };
    }
    store = await postgresTestStore();
    twin = await startTwin({
      pipeline: definePipeline({ name: 'kcat', partitions: 2 }),
      store: { databaseUrl: store.url },
      wrapHandler: (stage, handler) => async (event: MskEvent) => {
        if (stage === 'ingest') for (const records of Object.values(event.records)) ingested.push(...records);
        return handler(event);
      },
    });
    const bootstrap = twin.cluster.bootstrapServers;
    const topic = twin.pipeline.topics.raw.name;
    const events = (prefix: string, count = PER_PRODUCER) => {
      const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
      for (const id of ids) valid.add(id);
      return ids.map(pageView);
    };
    // Headers in this wire order: repeated key interleaved, a null value (no "="), an empty value.
    await kcat(bootstrap, topic, ['-H', 'trace=1', '-H', 'nullable', '-H', 'trace=2', '-H', 'empty='], events('headers'));
    for (const codec of CODECS) await kcat(bootstrap, topic, ['-z', codec, '-X', 'linger.ms=50'], events(codec));
    await kcat(bootstrap, topic, ['-X', 'transactional.id=kcat-tx'], events('transactional'));
    // The mock cluster writes no transaction markers: put a COMMIT marker in each partition, then
    // more records after it, and at the end another marker as the last record of every partition.
    const admin = createKafka(twin.cluster.connection).admin();
    const leaders = new Map<number, string>();
    await admin.connect();
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      for (const { partitionId, leader } of metadata?.partitions ?? []) {
        const address = twin.cluster.brokers[leader - 1];
        if (!address) throw new Error(`no address for broker ${leader}`);
        leaders.set(partitionId, address);
      }
    } finally {
      await admin.disconnect();
    }
    const appendMarkers = async (after: (partition: number) => Promise<void>) => {
      for (const [partition, address] of leaders) {
        markers.push(`${partition}:${await appendCommitMarker(address, topic, partition)}`);
        await after(partition);
      }
    };
    await appendMarkers((partition) => kcat(bootstrap, topic, ['-p', String(partition)], events(`after-marker-${partition}`, 5)));
    await kcat(bootstrap, topic, ['-X', 'enable.idempotence=true', '-z', 'zstd'], events('idempotent'));
    // -K splits key from value at ":"; -Z sends both empty halves as null: a keyless tombstone, with
    // a null header value. (kcat skips an empty line, so the line is ":".)
    await kcat(bootstrap, topic, ['-Z', '-K', ':', '-H', 'why=tombstone', '-H', 'nullable'], [':']);
    // Drained means committed at the log end: past these last markers too.
    await appendMarkers(async () => {});
    drained = await twin.drain(120_000);
  }, 240_000);

  afterAll(async () => {
    for (const [type, factory] of registered) codecs[type] = factory;
    await twin?.stop();
    await store?.dispose();
  });

  /** What the ingest handler was given, once per record (delivery is at-least-once). */
  const distinctIngested = () => [...new Map(ingested.map((r) => [`${r.partition}:${r.offset}`, r])).values()];

  it('drains: no stage stalls on any of these records', () => {
    expect(drained).toBe(true);
    expect(distinctIngested()).toHaveLength(valid.size + 1);
  });

  it('read batches compressed with each codec', () => {
    for (const codec of CODECS) expect(decompressed[codec] ?? 0, codec).toBeGreaterThan(0);
  });

  it('skips control records: no transaction marker reaches the handler', () => {
    const delivered = new Set(distinctIngested().map((r) => `${r.partition}:${r.offset}`));

    expect(markers).toHaveLength(4);
    expect(markers.filter((m) => delivered.has(m))).toEqual([]);
  });

  it('hands the handler headers as written: order, repeated keys, null and empty values', () => {
    const withHeaders = distinctIngested().filter((r) => r.headers.length === 4);

    expect(withHeaders).toHaveLength(PER_PRODUCER);
    for (const record of withHeaders) {
      expect(record.headers).toEqual([{ trace: [49] }, { nullable: null }, { trace: [50] }, { empty: [] }]);
    }
  });

  it('stores every valid event, exactly once', async () => {
    const rows = await store.client.query<{ event_id: string }>('SELECT event_id FROM events');

    expect(rows.length).toBe(valid.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(valid);
  });

  it('sends the keyless tombstone to the DLQ with its headers (a null header value written empty), and `tributary dlq` reads it', async () => {
    const entries = await readDlqEntries(createKafka(twin.cluster.connection), twin.pipeline, 'dlq');

    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry?.key).toBeNull();
    expect(entry?.value).toBeNull();
    expect(entry?.reason).toBe('EMPTY_VALUE');
    expect(entry?.headers).toEqual([
      { key: 'why', value: Buffer.from('tombstone') },
      { key: 'nullable', value: Buffer.alloc(0) },
    ]);
    expect(entry && entryJson(entry)).toMatchObject({
      headers: [
        { key: 'why', value: 'tombstone' },
        { key: 'nullable', value: '' },
      ],
    });
  });

  it('has committed every stage to the end of its input', async () => {
    const admin = createKafka(twin.cluster.connection).admin();
    await admin.connect();
    try {
      for (const stage of STAGE_NAMES) {
        const { consumerGroupId, inputTopic } = twin.pipeline.stages[stage];
        const ends = await admin.fetchTopicOffsets(inputTopic);
        const [committed] = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [inputTopic] });
        const committedBy = new Map(committed?.partitions.map((p) => [p.partition, p.offset]));
        for (const { partition, high } of ends) expect([stage, partition, committedBy.get(partition)]).toEqual([stage, partition, high]);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
