/**
 * The PGlite store in a worker thread (the twin's default) against the in-process PGlite client:
 * same results, transactions, read-only queries and errors across the thread hop; close() lets the
 * process exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import { createPgliteThreadClient } from '../../local/store/pglite-thread-client.js';
import { isStoreUnreachable } from '../../src/analytics/store-failure.js';
import { seedReferenceData } from '../../src/reference/seed-reference-data.js';
import { migrate } from '../../src/store/migrate.js';
import type { SqlClient } from '../../src/store/sql-client.js';

const TYPES_SQL = `SELECT
  '2025-03-01T12:00:30.500Z'::timestamptz AS ts, 12.3400::numeric(14, 4) AS num, 5::int8 AS small_int8,
  9007199254740993::int8 AS big_int8, 3::int4 AS i4, 2::smallint AS i2, 1.5::float8 AS f8,
  '{"a": [1, 2], "b": {"c": null}}'::jsonb AS j, true AS yes, ARRAY['x', NULL, 'z']::text[] AS arr,
  'US'::char(2) AS c2, '10.0.0.0/8'::cidr AS net, '\\xdeadbeef'::bytea AS bytes, NULL::text AS nothing,
  $1::timestamptz AS ts_param, $2::bytea AS bytes_param, $3::jsonb AS json_param, $4::text[] AS arr_param, $5::int8 AS int8_param`;
const TYPES_PARAMS = [new Date('2024-01-02T03:04:05.678Z'), Buffer.from('héllo'), '{"k": [true]}', ['a', 'b'], 9007199254740993n];

describe('PGlite in a worker thread', () => {
  let thread: SqlClient;
  let inProcess: SqlClient;

  beforeAll(async () => {
    [thread, inProcess] = await Promise.all([createPgliteThreadClient(), createPgliteClient()]);
    for (const client of [thread, inProcess]) {
      await migrate(client);
      await seedReferenceData(client);
      await client.query('CREATE TABLE t (id int PRIMARY KEY, note text)');
    }
  });
  afterAll(async () => {
    await Promise.all([thread?.close(), inProcess?.close()]);
  });
  beforeEach(async () => {
    await thread.query('TRUNCATE t');
  });

  it('returns the values the in-process client returns, types included', async () => {
    const [fromThread] = await thread.query<Record<string, unknown>>(TYPES_SQL, TYPES_PARAMS);
    const [fromProcess] = await inProcess.query<Record<string, unknown>>(TYPES_SQL, TYPES_PARAMS);
    expect(fromThread).toEqual(fromProcess);
    expect(fromThread).toMatchObject({
      ts: new Date('2025-03-01T12:00:30.500Z'),
      num: '12.3400',
      big_int8: 9007199254740993n,
      nothing: null,
    });
    expect(fromThread?.bytes).toBeInstanceOf(Uint8Array);
    expect(fromThread?.ts_param).toBeInstanceOf(Date);

    for (const reference of [
      'SELECT * FROM products ORDER BY sku',
      'SELECT currency, usd_rate FROM currency_rates ORDER BY currency',
      'SELECT * FROM ip_ranges ORDER BY network',
    ]) {
      expect(await thread.query(reference)).toEqual(await inProcess.query(reference));
    }
  });

  it('runs several statements when there are no parameters, returning the last one’s rows', async () => {
    const rows = await thread.query("INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'b'); SELECT count(*)::int AS n FROM t");
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('commits a transaction that resolves, with its result', async () => {
    const result = await thread.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'kept']);
      return tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id = $1', [1]);
    });
    expect(result).toEqual([{ n: 1 }]);
    expect(await thread.query('SELECT note FROM t')).toEqual([{ note: 'kept' }]);
  });

  it('rolls back a transaction whose callback throws, and rethrows that error', async () => {
    const failure = new Error('changed my mind');
    await expect(
      thread.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'dropped']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await thread.query('SELECT * FROM t')).toEqual([]);
  });

  it('makes other queries wait while a transaction is open; they then see its committed rows', async () => {
    let outsideSettled = false;
    let outside: Promise<{ n: number }[]> | undefined;
    await thread.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'first']);
      outside = thread.query<{ n: number }>('SELECT count(*)::int AS n FROM t', []);
      void outside.finally(() => {
        outsideSettled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(outsideSettled).toBe(false);
      await tx.query('INSERT INTO t VALUES ($1, $2)', [2, 'second']);
    });
    expect(await outside).toEqual([{ n: 2 }]);
  });

  it('refuses queries on a transaction that has ended', async () => {
    let escaped: Parameters<Parameters<SqlClient['transaction']>[0]>[0] | undefined;
    await thread.transaction(async (tx) => {
      escaped = tx;
    });
    await expect(escaped?.query('SELECT 1', [])).rejects.toThrow('Transaction is closed');
  });

  it('reports a commit of an aborted transaction as the in-process client does', async () => {
    const commitAborted = (client: SqlClient) =>
      client.transaction(async (tx) => {
        await tx.query('SELECT * FROM missing_table', []).catch(() => {});
      });
    const [fromThread, fromProcess] = await Promise.all([commitAborted(thread).catch((e) => e), commitAborted(inProcess).catch((e) => e)]);
    expect(fromThread).toBeInstanceOf(Error);
    expect({ message: fromThread.message, code: fromThread.code }).toEqual({ message: fromProcess.message, code: fromProcess.code });
  });

  it('passes PostgreSQL errors with their message, code and details', async () => {
    await thread.query('INSERT INTO t VALUES ($1, $2)', [1, 'a']);
    const [fromThread, fromProcess] = await Promise.all(
      [thread, inProcess].map((client) => client.query('SELECT * FROM missing_table', [1]).catch((e) => e)),
    );
    expect(fromThread).toBeInstanceOf(Error);
    expect(fromThread).toMatchObject({ message: fromProcess.message, code: '42P01' });
    const duplicate = await thread.query('INSERT INTO t VALUES ($1, $2)', [1, 'again']).catch((e) => e);
    expect(duplicate).toMatchObject({
      message: 'duplicate key value violates unique constraint "t_pkey"',
      code: '23505',
      constraint: 't_pkey',
    });
    expect(isStoreUnreachable(duplicate)).toBe(false);
  });

  it('runs a read-only query, refusing writes and a second statement', async () => {
    await thread.query('INSERT INTO t VALUES ($1, $2)', [1, 'a']);
    expect(await thread.readOnlyQuery('SELECT id, note FROM t', 1000)).toEqual({ columns: ['id', 'note'], rows: [{ id: 1, note: 'a' }] });
    await expect(thread.readOnlyQuery('DELETE FROM t', 1000)).rejects.toMatchObject({ code: '25006' });
    await expect(thread.readOnlyQuery('SELECT 1; DELETE FROM t', 1000)).rejects.toMatchObject({ code: '42601' });
    expect(await thread.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }]);
  });
});

describe('closing PGlite in a worker thread', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pglite-thread-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends the worker, so the process exits, with the data kept in its folder', async () => {
    const script = [
      "import { createPgliteThreadClient } from './local/store/pglite-thread-client.ts';",
      `const client = await createPgliteThreadClient(${JSON.stringify(dataDir)});`,
      "await client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');",
      'await client.close();',
      "await client.query('SELECT 1', [1]).catch((e) => console.log(e.message));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('PGlite is closed');
    expect(run.status).toBe(0);

    const reopened = await createPgliteThreadClient(dataDir);
    try {
      expect(await reopened.query('SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await reopened.close();
    }
  });
});
