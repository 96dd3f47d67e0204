/**
 * The local change-data capture against a real PostgreSQL (wal_level=logical) and the embedded
 * Kafka: Debezium's envelope, topics, keys and tombstones; snapshot then streaming; the type
 * encodings; the rules for tables without a primary key; a column added mid-stream; a 10,000-row
 * transaction.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeCapture, startChangeCapture } from '../../local/cdc/change-capture.js';
import { UncapturableTableError } from '../../local/cdc/errors.js';
import { UNAVAILABLE_VALUE } from '../../src/cdc/debezium-envelope.js';
import { type CdcKafka, cdcKafka, type SourceDatabase, sourceDatabase } from '../helpers/cdc-source.js';

let kafka: CdcKafka;
let source: SourceDatabase;
let capture: ChangeCapture | undefined;
let slot = 0;

beforeAll(async () => {
  kafka = await cdcKafka();
});
afterAll(async () => {
  await kafka.close();
});
afterEach(async () => {
  await capture?.stop();
  capture = undefined;
  await source?.dispose();
});

async function start(prefix: string, tables?: string[]): Promise<ChangeCapture> {
  capture = await startChangeCapture({
    sourceUrl: source.url,
    topicPrefix: prefix,
    slotName: `test_slot_${process.pid}_${++slot}`,
    tables,
    publisher: kafka.publisher,
    ensureTopic: (t) => kafka.ensureTopic(t),
    stateDir: kafka.stateDir,
    onWarning: () => {},
  });
  return capture;
}

describe('change data capture', () => {
  it('snapshots existing rows (op r), then streams inserts, updates and deletes with tombstones', async () => {
    source = await sourceDatabase();
    await source.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int)');
    await source.query("INSERT INTO items VALUES (1, 'one', 10), (2, 'two', 20)");
    const c = await start('t1', ['public.items']);
    await source.query("INSERT INTO items VALUES (3, 'three', 30)");
    await source.query("UPDATE items SET qty = 11, name = 'uno' WHERE id = 1");
    await source.query('DELETE FROM items WHERE id = 2');
    expect(await c.caughtUp(30_000)).toBe(true);

    const records = await kafka.read('t1.public.items');
    const events = await kafka.events('t1.public.items');
    const snapshot = events.filter((e) => e.op === 'r');
    expect(snapshot.map((e) => e.after).sort((a, b) => Number(a?.id) - Number(b?.id))).toEqual([
      { id: 1, name: 'one', qty: 10 },
      { id: 2, name: 'two', qty: 20 },
    ]);
    expect(snapshot.map((e) => e.source.snapshot).sort()).toEqual(['last', 'true']);

    const streamed = events.filter((e) => e.op !== 'r');
    expect(streamed.map((e) => e.op)).toEqual(['c', 'u', 'd']);
    const [insert, update, del] = streamed;
    expect(records.filter((r) => r.value?.op === 'c').map((r) => r.key)).toEqual([{ id: 3 }]);
    expect(records.filter((r) => r.value?.op === 'u').map((r) => r.key)).toEqual([{ id: 1 }]);
    expect(records.filter((r) => r.value?.op === 'd').map((r) => r.key)).toEqual([{ id: 2 }]);
    expect(insert?.before).toBeNull();
    expect(insert?.after).toEqual({ id: 3, name: 'three', qty: 30 });
    expect(update?.after).toEqual({ id: 1, name: 'uno', qty: 11 });
    // Default replica identity: the delete carries the key columns only.
    expect(del?.before).toEqual({ id: 2, name: null, qty: null });
    expect(del?.after).toBeNull();
    expect(insert?.source).toMatchObject({
      connector: 'postgresql',
      name: 't1',
      db: source.name,
      schema: 'public',
      table: 'items',
      snapshot: 'false',
    });
    expect(typeof insert?.source.lsn).toBe('number');
    expect(typeof insert?.source.txId).toBe('number');
    const sequence = JSON.parse(insert?.source.sequence ?? 'null') as string[];
    expect(sequence[1]).toBe(String(insert?.source.lsn));
    // The tombstone follows the delete, same key, same partition.
    const deleteIndex = records.findIndex((r) => r.value?.op === 'd');
    expect(records[deleteIndex + 1]).toMatchObject({ key: { id: 2 }, value: null, partition: records[deleteIndex]?.partition });
    // Changes of one key stay on one partition (the key decides it).
    const partitionsOfOne = new Set(records.filter((r) => (r.key as { id: number }).id === 1).map((r) => r.partition));
    expect(partitionsOfOne.size).toBe(1);

    // A primary key changed: as Debezium, a delete of the old key (with its tombstone), then a create.
    await source.query('UPDATE items SET id = 4 WHERE id = 3');
    expect(await c.caughtUp(30_000)).toBe(true);
    const moved = (await kafka.events('t1.public.items')).slice(events.length);
    // Both carry the update's LSN; they concern different keys, so their order across partitions is free.
    expect(moved.map((e) => [e.op, e.before?.id ?? null, e.after?.id ?? null]).sort()).toEqual([
      ['c', null, 4],
      ['d', 3, null],
    ]);
    expect(new Set(moved.map((e) => e.source.lsn)).size).toBe(1);
    const tombstones = (await kafka.read('t1.public.items')).filter((r) => r.value === null).map((r) => (r.key as { id: number }).id);
    expect(tombstones.sort()).toEqual([2, 3]);
  });

  it('encodes types as Debezium does (decimal string, base64, adaptive time, JSON text, arrays, TOAST placeholder)', async () => {
    source = await sourceDatabase();
    await source.query(`CREATE TABLE typed (
      id bigint PRIMARY KEY, amount numeric(12, 3), raw bytea, tags text[], nums int[], doc jsonb,
      day date, at_time time, at_ts timestamp, at_ts3 timestamp(3), at_tz timestamptz, span interval,
      flag boolean, ratio float8, big text)`);
    const c = await start('t2', ['public.typed']);
    await source.query(
      `INSERT INTO typed VALUES (7, 12.345, '\\xdeadbeef', '{"a b",c,NULL}', '{1,2,3}', '{"k": [1, true]}',
        '2026-12-06', '13:14:15.123456', '2026-12-06 13:14:15.123456', '2026-12-06 13:14:15.123',
        '2026-12-06 13:14:15.5+02', '1 day 2 hours', true, 0.25,
        -- Random hex does not compress below the TOAST threshold: stored out of line.
        (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 2000)))`,
    );
    const big = (await source.query<{ big: string }>('SELECT big FROM typed WHERE id = 7'))[0]?.big;
    // Only `flag` changes: the large TOASTed `big` is not in the WAL record.
    await source.query('UPDATE typed SET flag = false WHERE id = 7');
    expect(await c.caughtUp(30_000)).toBe(true);
    const [insert, update] = await kafka.events('t2.public.typed');
    // Compared apart: a failure would otherwise print 64,000 characters.
    expect(insert?.after?.big === big).toBe(true);
    expect({ ...insert?.after, big: 'compared above' }).toEqual({
      id: 7,
      amount: '12.345',
      raw: Buffer.from('deadbeef', 'hex').toString('base64'),
      tags: ['a b', 'c', null],
      nums: [1, 2, 3],
      doc: '{"k": [1, true]}',
      day: Math.round(Date.UTC(2026, 11, 6) / 86_400_000),
      at_time: (13 * 3600 + 14 * 60 + 15) * 1_000_000 + 123456,
      at_ts: Date.UTC(2026, 11, 6, 13, 14, 15) * 1000 + 123456,
      at_ts3: Date.UTC(2026, 11, 6, 13, 14, 15, 123),
      at_tz: '2026-12-06T11:14:15.5Z',
      span: (24 + 2) * 3_600_000_000,
      flag: true,
      ratio: 0.25,
      big: 'compared above',
    });
    expect(update?.op).toBe('u');
    expect(update?.after?.flag).toBe(false);
    expect(update?.after?.big).toBe(UNAVAILABLE_VALUE);
  });

  it('refuses a table without a primary key, naming it, unless it has REPLICA IDENTITY FULL (null key)', async () => {
    source = await sourceDatabase();
    await source.query('CREATE TABLE loose (a int, b text)');
    await expect(start('t3', ['public.loose'])).rejects.toThrow(UncapturableTableError);
    await expect(start('t3', ['public.loose'])).rejects.toThrow(/public\.loose.*REPLICA IDENTITY FULL/);

    await source.query('ALTER TABLE loose REPLICA IDENTITY FULL');
    const c = await start('t3', ['public.loose']);
    await source.query("INSERT INTO loose VALUES (1, 'x')");
    await source.query('DELETE FROM loose WHERE a = 1');
    expect(await c.caughtUp(30_000)).toBe(true);
    const records = await kafka.read('t3.public.loose');
    expect(records.map((r) => r.key)).toEqual([null, null, null]);
    expect(records.filter((r) => r.value === null)).toHaveLength(1);
    const events = await kafka.events('t3.public.loose');
    expect(events.map((e) => e.op)).toEqual(['c', 'd']);
    // Full identity: the delete carries the whole row.
    expect(events[1]?.before).toEqual({ a: 1, b: 'x' });
  });

  it('streams a column added mid-stream, and a 10,000-row transaction whole', async () => {
    source = await sourceDatabase();
    await source.query('CREATE TABLE grow (id int PRIMARY KEY, v int)');
    const c = await start('t4', ['public.grow']);
    await source.query('INSERT INTO grow VALUES (1, 1)');
    await source.query("ALTER TABLE grow ADD COLUMN label text DEFAULT 'new'");
    await source.query("INSERT INTO grow VALUES (2, 2, 'two')");
    await source.query('INSERT INTO grow SELECT g, g FROM generate_series(100, 10099) g');
    expect(await c.caughtUp(60_000)).toBe(true);
    const events = await kafka.events('t4.public.grow');
    expect(events[0]?.after).toEqual({ id: 1, v: 1 });
    expect(events[1]?.after).toEqual({ id: 2, v: 2, label: 'two' });
    const bulk = events.slice(2);
    expect(bulk).toHaveLength(10_000);
    expect(new Set(bulk.map((e) => e?.source.txId)).size).toBe(1);
    expect(new Set(bulk.map((e) => e?.after?.id)).size).toBe(10_000);
    expect(bulk.every((e) => e?.after?.label === 'new')).toBe(true);
  });
});
