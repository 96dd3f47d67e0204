/**
 * `tributary replay --archive s3://...` against a real S3-protocol server (s3rver, in process on a
 * free port) and the embedded Kafka: an archive written by the twin's writer and uploaded as is,
 * and a raw file in Firehose's shape (the Glue table's columns, written with DuckDB). The range's
 * files are downloaded (only the dates in range are listed) and replayed; the records read back
 * from the raw topic are checked byte for byte; then a missing bucket, refused credentials, no
 * credentials, and an empty range, each in one line. (Access denied is not tested: s3rver has no
 * policies.)
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReplayHeader } from '../../local/archive/archive-replay.js';
import { type ArchiveInputRecord, toArchiveRow } from '../../local/archive/archive-row.js';
import { ParquetFileWriter } from '../../local/archive/parquet-file-writer.js';
import { queryCommand } from '../../local/commands/query.js';
import { replayCommand } from '../../local/commands/replay.js';
import { type EmbeddedKafka, startEmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { readTopicToEnd, type TopicMessage } from '../../local/kafka/read-topic.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { GLUE_TABLE_COLUMNS, glueColumnName } from '../../src/pipeline/archive-glue-columns.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const BUCKET = 'tributary-archive';
const HOUR = Date.parse('2026-11-03T09:00:00.000Z');
const RAW_TOPIC = definePipeline().topics.raw.name;
const ENV_KEYS = [
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'KAFKA_BROKERS',
  'DATABASE_URL',
] as const;

function rawRecord(i: number, at: number): ArchiveInputRecord {
  const event = {
    eventId: `t-${i}`,
    type: 'product_view',
    source: 'web',
    occurredAt: new Date(at).toISOString(),
    userId: `u-${i}`,
    sku: 'SKU-1',
  };
  return {
    partition: i % 2,
    offset: String(i),
    timestamp: at + 10,
    key: Buffer.from(`u-${i}`),
    value: Buffer.from(JSON.stringify(event)),
    headers: [{ key: 'traceparent', value: Buffer.from([0, 1, 255]) }],
  };
}

function enrichedRecord(i: number, at: number, sku: string): ArchiveInputRecord {
  const event = {
    eventId: `e-${i}`,
    type: 'product_view',
    source: 'web',
    occurredAt: new Date(at).toISOString(),
    receivedAt: new Date(at + 5).toISOString(),
    userId: `u-${i}`,
    sessionId: `s-${i}`,
    sku,
    enrichment: { productName: sku, category: 'home', valueUsd: 5, revenueUsd: null, country: 'FR', deviceClass: 'desktop', isBot: false },
  };
  return { partition: 0, offset: String(i), timestamp: at + 10, key: null, value: Buffer.from(JSON.stringify(event)), headers: [] };
}

/** What replay must rebuild from each Firehose row (fields absent from a row are left out). */
const FIREHOSE_EVENTS: Record<string, unknown>[] = [
  {
    eventId: 'f-1',
    type: 'purchase',
    schemaVersion: 1,
    source: 'web',
    occurredAt: '2026-11-03T09:10:00.000Z',
    userId: 'u-7',
    deviceId: 'd-7',
    sessionId: 's-7',
    sku: 'SKU-2',
    orderId: 'o-1',
    quantity: 2,
    price: 19.99,
    currency: 'EUR',
  },
  // No userId: keyed by the device; an epoch-millisecond time comes back as a number.
  { eventId: 'f-2', type: 'page_view', source: 'ios', occurredAt: HOUR + 20 * 60_000, deviceId: 'd-9', url: '/home', referrer: '/ad' },
  // Neither: no key.
  { eventId: 'f-3', type: 'search', source: 'web', occurredAt: '2026-11-03T11:05:00+02:00', query: 'mug', resultsCount: 4 },
];

async function writeFirehoseFile(path: string, events: readonly Record<string, unknown>[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const duckType = (glue: string) => ({ string: 'VARCHAR', int: 'INTEGER', double: 'DOUBLE' })[glue] ?? 'VARCHAR';
  const columns = GLUE_TABLE_COLUMNS.raw;
  await connection.run(`CREATE TABLE t (${columns.map((c) => `${glueColumnName(c)} ${duckType(c.type)}`).join(', ')})`);
  for (const event of events) {
    const values = columns.map((c) => {
      const v = event[c.field];
      if (v === undefined) return null;
      return c.field === 'occurredAt' ? String(v) : (v as string | number);
    });
    await connection.run(`INSERT INTO t VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  }
  await connection.run(`COPY t TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

async function run(options: Parameters<typeof replayCommand>[0]): Promise<{ err: string; error?: Error }> {
  const err: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    await replayCommand(options);
    return { err: err.join('') };
  } catch (error) {
    return { err: err.join(''), error: error as Error };
  } finally {
    spy.mockRestore();
  }
}

describe('replay from an S3 archive (s3rver, embedded Kafka)', () => {
  const work = mkdtempSync(join(tmpdir(), 'tributary-s3-archive-'));
  const cacheDir = join(work, 'cache');
  const savedEnv = new Map(ENV_KEYS.map((k) => [k, process.env[k]]));
  let server: S3rver;
  let kafka: EmbeddedKafka;
  let endpoint: string;
  let store: TestStore | undefined;
  const twinRecords = [
    rawRecord(1, HOUR + 60_000),
    rawRecord(2, HOUR + 30 * 60_000),
    rawRecord(3, HOUR + 70 * 60_000),
    // The next day: outside the range, its date prefix never listed.
    rawRecord(4, HOUR + 25 * 3_600_000),
  ];

  beforeAll(async () => {
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(work, 's3') });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    });
    kafka = await startEmbeddedKafka({ brokers: 1, topics: [{ name: RAW_TOPIC, partitions: 2 }] });
    process.env.KAFKA_BROKERS = kafka.bootstrapServers;

    const s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The twin's archive, uploaded as `aws s3 sync` would (manifest included, .incoming/ not).
    const twinDir = join(work, 'twin');
    const writer = await ParquetFileWriter.open(twinDir);
    await writer.write(
      'raw',
      'storefront-archive-raw',
      twinRecords.map((r) => toArchiveRow('raw', 'storefront-raw', r)),
    );
    await writer.write(
      'enriched',
      'storefront-archive-enriched',
      [0, 1, 2, 3].map((i) =>
        toArchiveRow('enriched', 'storefront-enriched', enrichedRecord(i, HOUR + i * 60_000, i < 3 ? 'SKU-A' : 'SKU-B')),
      ),
    );
    writer.close();
    for (const path of filesUnder(twinDir).filter((p) => !p.includes('.incoming'))) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `twin/${relative(twinDir, path)}`, Body: readFileSync(path) }));
    }
    // Firehose's shape, filed by arrival hour: f-1 twice (at least once), and one event after the range.
    const firehoseFile = join(work, 'firehose.parquet');
    await writeFirehoseFile(firehoseFile, [
      ...FIREHOSE_EVENTS,
      FIREHOSE_EVENTS[0] as Record<string, unknown>,
      { eventId: 'f-late', type: 'search', source: 'web', occurredAt: '2026-11-03T11:30:00Z', query: 'x', resultsCount: 0 },
    ]);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `aws/raw/event_date=2026-11-03/event_hour=09/storefront-archive-raw-1-2026-11-03-09-15-00-${randomUUID()}.parquet`,
        Body: readFileSync(firehoseFile),
      }),
    );
    s3.destroy();
  }, 120_000);

  afterAll(async () => {
    await kafka?.stop();
    await server?.close();
    await store?.dispose();
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(work, { recursive: true, force: true });
  });

  const readRaw = async (): Promise<TopicMessage[]> =>
    readTopicToEnd(createKafka({ brokers: kafka.brokers, auth: { type: 'none' }, clientId: 's3-replay-test' }), RAW_TOPIC);

  it("replays the twin's archive from S3: keys, values and headers as archived; only the range's dates downloaded", async () => {
    const range = { from: '2026-11-03T09:00:00Z', to: '2026-11-03T11:00:00Z' };
    const first = await run({ ...range, archive: `s3://${BUCKET}/twin`, archiveCacheDir: cacheDir });
    expect(first.error).toBeUndefined();
    expect(first.err).toMatch(/downloading s3:\/\/tributary-archive\/twin: files 2\/2, 0\.0 of 0\.0 MB\n/);
    expect(first.err).toContain(`sent 3 of 3 records`);

    const cached = filesUnder(join(cacheDir, BUCKET, 'twin'))
      .map((p) => relative(join(cacheDir, BUCKET, 'twin'), p))
      .filter((p) => !p.startsWith('.incoming'))
      .sort();
    expect(cached.map((p) => p.replace(/[^/]+\.parquet$/, '*'))).toEqual([
      'archive.json',
      'raw/event_date=2026-11-03/event_hour=09/*',
      'raw/event_date=2026-11-03/event_hour=10/*',
    ]);
    expect(existsSync(join(cacheDir, BUCKET, 'twin', 'raw', 'event_date=2026-11-04'))).toBe(false);

    const messages = await readRaw();
    expect(messages).toHaveLength(3);
    const byKey = new Map(messages.map((m) => [String(m.key), m]));
    for (const original of twinRecords.slice(0, 3)) {
      const sent = byKey.get(String(original.key));
      expect(sent?.value).toEqual(original.value);
      expect(sent?.headers?.traceparent).toEqual(Buffer.from([0, 1, 255]));
      expect(String(sent?.headers?.[ReplayHeader.source])).toBe(`storefront-raw/${original.partition}/${original.offset}`);
    }

    // Cached: a second run downloads nothing (dry run: nothing sent either).
    const again = await run({ ...range, archive: `s3://${BUCKET}/twin`, archiveCacheDir: cacheDir, dryRun: true });
    expect(again.error).toBeUndefined();
    expect(again.err).not.toContain('downloading');
    expect(again.err).toContain('would send 3 records');
  }, 120_000);

  it("replays Firehose's raw files: values rebuilt from the Glue columns, keyed by user or device, each event once", async () => {
    const before = (await readRaw()).length;
    const result = await run({
      from: '2026-11-03T09:00:00Z',
      to: '2026-11-03T10:00:00Z',
      archive: `s3://${BUCKET}/aws`,
      archiveCacheDir: cacheDir,
    });
    expect(result.error).toBeUndefined();
    expect(result.err).toContain('sent 3 of 3 records');
    const sent = (await readRaw()).slice(before);
    const byId = new Map(sent.map((m) => [JSON.parse(String(m.value)).eventId as string, m]));
    expect([...byId.keys()].sort()).toEqual(['f-1', 'f-2', 'f-3']);
    for (const expected of FIREHOSE_EVENTS) {
      const message = byId.get(expected.eventId as string);
      expect(JSON.parse(String(message?.value))).toEqual(expected);
      expect(Object.keys(message?.headers ?? {}).sort()).toEqual([ReplayHeader.time, ReplayHeader.source].sort());
    }
    expect(String(byId.get('f-1')?.key)).toBe('u-7');
    expect(String(byId.get('f-2')?.key)).toBe('d-9');
    expect(byId.get('f-3')?.key).toBeNull();
  }, 120_000);

  it('answers a named query over the S3 archive (twin layout), reading the downloaded window', async () => {
    store = await postgresTestStore();
    process.env.DATABASE_URL = store.url;
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await queryCommand('top', ['dimension=sku', 'metric=events'], {
        from: '2026-11-03T09:00:00Z',
        to: '2026-11-03T10:00:00Z',
        archive: `s3://${BUCKET}/twin`,
        archiveCacheDir: cacheDir,
        json: true,
      });
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const result = JSON.parse(out.join('')) as { rows: unknown[][]; sources: string[] };
    expect(result.sources).toEqual(['archive:product_minute']);
    expect(result.rows.map((row) => [row[0], row.at(-1)])).toEqual([
      ['SKU-A', 3],
      ['SKU-B', 1],
    ]);
    await expect(
      queryCommand('top', ['dimension=sku', 'metric=events'], { archive: `s3://${BUCKET}/twin`, archiveCacheDir: cacheDir }),
    ).rejects.toThrow('--archive needs --from and --to: the window names the files to download');
  }, 120_000);

  it('says what is wrong, in one line: empty range, missing bucket, refused or absent credentials', async () => {
    const empty = await run({
      from: '2026-10-01',
      to: '2026-10-01',
      archive: `s3://${BUCKET}/twin`,
      archiveCacheDir: cacheDir,
      dryRun: true,
    });
    expect(empty.error).toBeUndefined();
    expect(empty.err).toBe(
      `nothing to replay: no archived raw records with event times from 2026-10-01T00:00:00.000Z to 2026-10-02T00:00:00.000Z in s3://${BUCKET}/twin\n`,
    );

    const options = { from: '2026-11-03', to: '2026-11-03', archiveCacheDir: cacheDir, dryRun: true };
    const missing = await run({ ...options, archive: 's3://no-such-bucket/x' });
    expect(missing.error?.message).toBe('bucket no-such-bucket does not exist (s3://no-such-bucket/x)');

    const both = await run({ ...options, archive: `s3://${BUCKET}/twin`, archiveDir: work });
    expect(both.error?.message).toBe('give --archive (an S3 archive) or --archive-dir (a local folder), not both');

    // s3rver does not check SigV4 signatures, but refuses an unknown access key, as S3 does.
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
    const refused = await run({ ...options, archive: `s3://${BUCKET}/twin` });
    expect(refused.error?.message).toMatch(/^the AWS credentials were refused for s3:\/\/tributary-archive\/twin: /);

    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
      AWS_CONFIG_FILE: join(work, 'none'),
    });
    const none = await run({ ...options, archive: `s3://${BUCKET}/twin` });
    expect(none.error?.message).toMatch(/^no AWS credentials to read s3:\/\/tributary-archive\/twin \(/);
    expect(none.error?.name).toBe('CliUsageError');
  }, 120_000);
});
