import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshBenchStore } from '../../../bench/harness/bench-stores.js';
import { copyFrom, copyTextValue } from '../../../bench/measure/pg-copy-from.js';
import { measureStoreCeiling } from '../../../bench/measure/store-ceiling.js';
import { definePipeline } from '../../../src/pipeline/definition.js';
import { rollupsAndRecomputation } from '../../helpers/rollup-check.js';
import { postgresTestStore } from '../../helpers/stores.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('copyFrom', () => {
  it('copies rows in text format through node-postgres, escapes and nulls intact', async () => {
    const store = await postgresTestStore();
    cleanup.push(() => store.dispose());
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    cleanup.push(() => client.end());
    await client.query('CREATE TABLE copied (a text, b jsonb, c int)');
    const rows = [
      ['tab\there, newline\nhere, backslash \\ here', '{"k": "v\\n"}', '1'],
      [null, null, '2'],
    ];
    const text = rows.map((r) => `${r.map(copyTextValue).join('\t')}\n`).join('');
    expect(await copyFrom(client, 'COPY copied (a, b, c) FROM STDIN', Buffer.from(text))).toBe(2);
    const back = await client.query('SELECT a, b::text AS b, c FROM copied ORDER BY c');
    expect(back.rows).toEqual([
      { a: rows[0]?.[0], b: '{"k": "v\\n"}', c: 1 },
      { a: null, b: null, c: 2 },
    ]);
    await expect(copyFrom(client, 'COPY missing FROM STDIN', Buffer.from(''))).rejects.toThrow(/missing/);
  });
});

describe('measureStoreCeiling', () => {
  it.each(['postgres', 'pglite'] as const)('measures the sink and every bulk path on the same rows (%s)', async (kind) => {
    const store = await freshBenchStore(kind);
    cleanup.push(() => store.dispose());
    const pipeline = definePipeline({ batchSize: 100 });
    const result = await measureStoreCeiling({ store, pipeline, rows: 400, extraBatchSizes: [200], seed: 5, rounds: 1 });
    expect(result.rows).toBe(400);
    expect(result.batchSize).toBe(100);
    expect(result.methods.map((m) => `${m.method}/${m.batchSize}`).sort()).toEqual([
      'copy/100',
      'copy/200',
      'jsonb_to_recordset/100',
      'jsonb_to_recordset/200',
      'unnest/100',
      'unnest/200',
    ]);
    expect(result.methods.every((m) => m.rowsPerSecond > 0)).toBe(true);
    expect(result.sinkBySize.map((s) => s.batchSize)).toEqual([100, 200]);
    expect(result.ceilingRowsPerSecond).toBe(Math.max(...result.methods.filter((m) => m.batchSize === 100).map((m) => m.rowsPerSecond)));
    expect(result.recordBytes.enriched).toBeGreaterThan(result.recordBytes.raw);
    if (kind === 'postgres') {
      // Measured last: the sink's statement over COPY did the sink's whole work, rollups included.
      expect(result.sameWorkRowsPerSecond).toBeGreaterThan(0);
      const client = store.client as NonNullable<typeof store.client>;
      const { kept, recomputed, counts } = await rollupsAndRecomputation(client);
      expect(counts).toEqual({ events: 400, freshness: 400 });
      expect(kept.metrics.length).toBeGreaterThan(0);
      expect(kept).toEqual(recomputed);
      const [batches] = await client.query<{ batches: number; inserted: number }>(
        'SELECT count(*)::int AS batches, sum(inserted)::int AS inserted FROM sink_batches',
      );
      expect(batches).toEqual({ batches: 4, inserted: 400 });
    } else {
      expect(result.sameWorkRowsPerSecond).toBeUndefined();
    }
  });
});
