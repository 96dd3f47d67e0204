/**
 * `tributary dlq` on the twin (embedded Kafka, PostgreSQL): records a broken enrich could not handle
 * reach the failure destination; after the fix, `dlq replay --failures` sends them back to raw and
 * the pipeline stores them; a second replay skips them as stored. DLQ replays skip events already
 * stored and send one of several copies of a record.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../local/cli.js';
import { readDlqEntries } from '../../local/dlq/dlq-reader.js';
import { readTopicToEnd } from '../../local/kafka/read-topic.js';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { InvalidReason } from '../../src/events/invalid-reason.js';
import { DlqHeader, isDlqHeader } from '../../src/kafka/header-names.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord, OutputRecord } from '../../src/kafka/msk-event.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { toDlqRecord } from '../../src/stages/dlq-record.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';
import { waitForDrain } from '../verify/wait-for-drain.js';

const BROKEN_MARK = 'needs-the-fix';

function pageView(id: string, note?: string): OutputRecord {
  const event = {
    eventId: id,
    type: 'page_view',
    source: 'web',
    occurredAt: new Date(Date.now() - 30_000).toISOString(),
    userId: `u-${id}`,
    url: '/home',
    ...(note ? { properties: { note } } : {}),
  };
  return { topic: '', key: `u-${id}`, value: JSON.stringify(event), headers: { traceparent: `00-${id}-01` } };
}

/** Runs the CLI in-process; returns exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await runCli(argv);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('tributary dlq on the twin', () => {
  let store: TestStore;
  let twin: LocalTwin;
  let broken = true;
  const saved = { KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: process.env.DATABASE_URL };

  const drain = async () => {
    const drained = await waitForDrain({
      kafka: createKafka(twin.cluster.connection),
      pipeline: twin.pipeline,
      mappings: () => Object.values(twin.mappings),
      timeoutMs: 90_000,
    });
    expect(drained).toBe(true);
  };
  const storedIds = async () =>
    new Set((await store.client.query<{ event_id: string }>('SELECT event_id FROM events')).map((r) => r.event_id));
  const publish = (topic: string, records: OutputRecord[]) => twin.publisher.publish(records.map((r) => ({ ...r, topic })));

  beforeAll(async () => {
    store = await postgresTestStore();
    // The default pipeline name: the CLI resolves topics from it when only KAFKA_BROKERS is set.
    twin = await startTwin({
      pipeline: definePipeline({ partitions: 2, batchSize: 50, batchingWindowMs: 20 }),
      store: { databaseUrl: store.url },
      retryBackoff: { initialMs: 5, maxMs: 20 },
      // Replay needs the records in the failure destination: the Kafka destination format keeps them.
      mode: { pollerMode: 'provisioned', failureDestination: 'kafka' },
      onWarning: () => {},
      // Enrich has a bug: it throws on some records until the fix (broken = false).
      wrapHandler: (stage, handler) =>
        stage !== 'enrich'
          ? handler
          : async (event) => {
              if (broken && decodeMskEvent(event).some((r) => r.value?.toString().includes(BROKEN_MARK))) throw new Error('enrich bug');
              return handler(event);
            },
    });
    process.env.KAFKA_BROKERS = twin.cluster.bootstrapServers;
    process.env.DATABASE_URL = store.url;

    const { raw, dlq } = twin.pipeline.topics;
    await publish(raw.name, [
      ...Array.from({ length: 20 }, (_, i) => pageView(`ok-${i}`)),
      ...Array.from({ length: 3 }, (_, i) => pageView(`fix-${i}`, BROKEN_MARK)),
      { topic: '', key: 'u-bad', value: '{"eventId": "bad-1", "type": "page_view",', headers: {} },
    ]);
    await drain();
    // Set aside by hand, as after redeliveries: a DLQ copy of an event that is also stored, and a
    // record set aside twice from the same source position.
    const copyOf = (id: string, reason: InvalidReason, offset: number): OutputRecord => {
      const record = pageView(id);
      const consumed: KafkaRecord = {
        topic: twin.pipeline.topics.clean.name,
        partition: 1,
        offset,
        timestamp: Date.now(),
        timestampType: 'CREATE_TIME',
        key: Buffer.from(String(record.key)),
        value: Buffer.from(String(record.value)),
        headers: [{ key: 'traceparent', value: Buffer.from(`00-${id}-01`) }],
      };
      return toDlqRecord(consumed, dlq.name, 'enrich', reason, 'set aside by the test');
    };
    await publish(dlq.name, [
      copyOf('ok-3', InvalidReason.UNKNOWN_PRODUCT, 900),
      copyOf('later-1', InvalidReason.NO_CURRENCY_RATE, 901),
      copyOf('later-1', InvalidReason.NO_CURRENCY_RATE, 901),
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await twin?.stop();
    await store?.dispose();
  });

  it('lists the failure destination and the DLQ by stage and reason', async () => {
    const failures = await cli('dlq', 'list', '--failures');
    expect(failures.code).toBe(0);
    expect(failures.out).toMatch(/enrich\s+RetriesExhausted\s+3/);
    expect(failures.out).toContain('fix-0');

    const dlq = await cli('dlq', 'list', '--stage', 'enrich', '--json');
    const listed = JSON.parse(dlq.out) as { groups: { stage: string; reason: string; records: number }[] };
    expect(listed.groups).toEqual([
      expect.objectContaining({ stage: 'enrich', reason: 'NO_CURRENCY_RATE', records: 2 }),
      expect.objectContaining({ stage: 'enrich', reason: 'UNKNOWN_PRODUCT', records: 1 }),
    ]);
    const notJson = await cli('dlq', 'list', '--reason', 'not_json', '--since', '1h');
    expect(notJson.out).toMatch(/ingest\s+NOT_JSON\s+1/);
  });

  it('shows one record with its headers and value', async () => {
    const [entry] = await readDlqEntries(createKafka(twin.cluster.connection), twin.pipeline, 'failures');
    const shown = await cli('dlq', 'show', `0:${entry?.offset}`, '--failures');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('reason    RetriesExhausted');
    expect(shown.out).toContain('stage     enrich');
    expect(shown.out).toMatch(/traceparent: 00-fix-\d-01/);
    expect(shown.out).toContain(`"note": "${BROKEN_MARK}"`);

    const missing = await cli('dlq', 'show', '0:999', '--failures');
    expect(missing).toMatchObject({ code: 2, err: 'tributary: no record at 0:999\n' });
  });

  it('replays the failure destination after the fix: stored once, skipped the second time', async () => {
    broken = false;
    const first = await cli('dlq', 'replay', '--failures', '--all');
    expect(first.code).toBe(0);
    expect(first.out).toContain('selected 3; sent 3 to storefront-raw');
    await drain();
    const stored = await storedIds();
    for (const id of ['fix-0', 'fix-1', 'fix-2']) expect(stored.has(id)).toBe(true);

    // The replayed records kept their key and headers, not the DLQ's.
    const raw = await readTopicToEnd(createKafka(twin.cluster.connection), twin.pipeline.topics.raw.name);
    const replayed = raw.filter((m) => String(m.value).includes(BROKEN_MARK));
    expect(replayed).toHaveLength(6);
    for (const m of replayed) {
      expect(Object.keys(m.headers ?? {}).filter(isDlqHeader)).toEqual([]);
      expect(String(m.headers?.traceparent)).toMatch(/^00-fix-\d-01$/);
      expect(String(m.key)).toMatch(/^u-fix-\d$/);
    }

    const second = await cli('dlq', 'replay', '--failures', '--all');
    expect(second.out).toContain('selected 3; sent 0');
    expect(second.out).toContain('skipped 3 already stored');
  });

  it('replays DLQ records by reason and position, skipping stored events and repeated copies', async () => {
    const before = (await readTopicToEnd(createKafka(twin.cluster.connection), twin.pipeline.topics.raw.name)).length;

    const storedCopy = await cli('dlq', 'replay', '--reason', 'UNKNOWN_PRODUCT');
    expect(storedCopy.out).toContain('selected 1; sent 0');
    expect(storedCopy.out).toContain('skipped 1 already stored');

    const dryRun = await cli('dlq', 'replay', '--reason', 'NO_CURRENCY_RATE', '--dry-run');
    expect(dryRun.out).toContain('selected 2; would send 1');
    expect(dryRun.out).toContain('1 repeated copies');

    const entries = await readDlqEntries(createKafka(twin.cluster.connection), twin.pipeline, 'dlq');
    const later = entries.filter((e) => e.eventId === 'later-1');
    const byPosition = await cli('dlq', 'replay', '--offset', ...later.map((e) => `${e.partition}:${e.offset}`));
    expect(byPosition.out).toContain('selected 2; sent 1');
    await drain();
    expect((await storedIds()).has('later-1')).toBe(true);
    // One record went to raw in all of this.
    expect((await readTopicToEnd(createKafka(twin.cluster.connection), twin.pipeline.topics.raw.name)).length).toBe(before + 1);
    expect(entries.every((e) => e.headers.every((h) => h.key !== DlqHeader.reason))).toBe(true);
  });

  it('refuses a replay with nothing chosen, and bad flags, in one line with exit code 2', async () => {
    expect(await cli('dlq', 'replay')).toMatchObject({
      code: 2,
      err: 'tributary: choose what to replay: --reason, --stage, --since, --offset, or --all for everything\n',
    });
    expect(await cli('dlq', 'list', '--reason', 'BOGUS')).toMatchObject({ code: 2 });
    expect(await cli('dlq', 'list', '--since', 'last week')).toMatchObject({ code: 2 });
    expect(await cli('dlq', 'replay', '--offset', '7')).toMatchObject({ code: 2, err: 'tributary: no record at offset 7\n' });
  });
});
