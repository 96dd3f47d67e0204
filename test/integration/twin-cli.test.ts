/**
 * The twin and the CLI on one PGlite folder, each in its own process as a developer runs them:
 * one owner per store (a second twin refuses naming the first, `invoke sink` refuses), commands
 * go through the running twin's API (query, status, dlq replay) or its Kafka (topics, tail,
 * groups), POST /events takes events like the AWS http-ingest function, and afterwards the
 * rollups match a recount of the stored events: nothing was corrupted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteThreadClient } from '../../local/store/pglite-thread-client.js';
import { REPO, type RunningProcess, runTributary, type Sandbox, sandbox, tributary } from '../helpers/cli-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { recountRollups } from '../verify/rollup-recount.js';

interface TwinFile {
  pid: number;
  url: string;
}

describe('twin and CLI on one local store', () => {
  let box: Sandbox;
  let twin: RunningProcess;
  let address: TwinFile;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    box = sandbox('pglite');
    twin = tributary(box, ['start', '--port', '0', '--rate', '300', '--partitions', '2', '--retention', 'off', '--invalid-share', '0.05']);
    await twin.waitForOutput('Ctrl-C stops, drains', 180_000);
    address = JSON.parse(readFileSync(join(box.stateDir, 'twin.json'), 'utf8')) as TwinFile;
    await twin.waitForOutput(/stored [1-9][\d,]* \|/, 120_000);
  }, 300_000);

  afterAll(async () => {
    if (twin && twin.child.exitCode === null) {
      twin.child.kill('SIGKILL');
      await twin.exited;
    }
    console.log(`CLI calls against the running twin (ms, process start included): ${JSON.stringify(timings)}`);
  });

  it('a second twin refuses, naming the first one (same state folder, or only the same PGlite folder)', async () => {
    const same = await runTributary(box, ['start', '--port', '0', '--duration', '5s']);
    expect(same.code).toBe(2);
    expect(same.output).toContain(`already runs here (pid ${address.pid}, ${address.url})`);

    const other = await runTributary({ ...box, env: { ...box.env, TRIBUTARY_STATE_DIR: join(box.stateDir, 'other') } }, [
      'start',
      '--port',
      '0',
      '--duration',
      '5s',
    ]);
    expect(other.code).toBe(2);
    expect(other.output).toContain(`in use by the local twin (pid ${address.pid}, ${address.url})`);
    expect(other.output).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it('query goes through the twin: named queries with its live status, and read-only SQL', async () => {
    const pipeline = await runTributary(box, ['query', 'pipeline', '--json']);
    timings.queryPipeline = pipeline.ms;
    expect(pipeline.code).toBe(0);
    const result = JSON.parse(pipeline.output) as { notes: string[]; rows: unknown[][] };
    expect(result.notes.join(' ')).not.toMatch(/no status source/i);
    expect(result.rows.some((row) => row[0] === 'stage' && row[1] === 'ingest')).toBe(true);

    const sql = await runTributary(box, ['query', '--sql', 'select count(*)::int as n from events', '--json']);
    timings.querySql = sql.ms;
    expect(sql.code).toBe(0);
    expect((JSON.parse(sql.output) as { rows: number[][] }).rows[0]?.[0]).toBeGreaterThan(0);

    const write = await runTributary(box, ['query', '--sql', 'delete from events']);
    expect(write.code).toBe(2);
    expect(write.output).toMatch(/read-only/);
  }, 120_000);

  it('invoke sink refuses while the twin owns the store', async () => {
    const run = await runTributary(box, ['invoke', 'sink', 'events/sink/valid-batch.json']);
    expect(run.code).toBe(2);
    expect(run.output).toContain(`the local twin (pid ${address.pid}, ${address.url}) owns the store`);
  }, 60_000);

  it('status, topics, groups and tail read the running twin', async () => {
    const status = await runTributary(box, ['status']);
    timings.status = status.ms;
    expect(status.code).toBe(0);
    expect(status.output).toContain(`Local twin running: pid ${address.pid}`);

    const topics = await runTributary(box, ['topics', '--json']);
    timings.topics = topics.ms;
    expect(topics.code).toBe(0);
    const raw = (JSON.parse(topics.output) as { topic: string; partitions: number; records: number }[]).find(
      (t) => t.topic === 'storefront-raw',
    );
    expect(raw?.partitions).toBe(2);
    expect(raw?.records).toBeGreaterThan(0);

    const groups = await runTributary(box, ['groups', '--json']);
    expect(groups.code).toBe(0);
    const sink = (JSON.parse(groups.output) as { stage: string; partitions: { committed: number | null }[] }[]).find(
      (g) => g.stage === 'sink',
    );
    expect(sink?.partitions.some((p) => (p.committed ?? 0) > 0)).toBe(true);

    const tail = await runTributary(box, ['tail', 'raw', '-n', '1', '--json']);
    expect(tail.code).toBe(0);
    const lines = tail.output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { partition: number; value: { eventId?: string } });
    expect(lines.length).toBe(2); // one per partition

    // -f: new records as they arrive, until Ctrl-C.
    const follow = tributary(box, ['tail', 'raw', '-n', '0', '-f', '--json']);
    await waitFor('followed records', () => follow.output().trim().split('\n').length >= 5, 120_000);
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
    expect(JSON.parse(follow.output().trim().split('\n')[0] as string)).toMatchObject({ partition: expect.any(Number) });
  }, 180_000);

  it('POST /events answers like the AWS http-ingest function, and the events get stored', async () => {
    const events = readFileSync(join(REPO, 'events/raw/storefront.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((line) => JSON.parse(line) as { eventId: string; [k: string]: unknown })
      .map((event, i) => ({ ...event, eventId: `http-${Date.now()}-${i}` }));
    const post = (body: unknown) =>
      fetch(new URL('events', address.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ events: [{ nope: true }] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { reason: string }[] }).errors[0]?.reason).toBe('MISSING_FIELD');
    const good = await post({ events });
    expect(good.status).toBe(202);
    expect(await good.json()).toEqual({ accepted: 3 });
    const ids = events.map((e) => `'${e.eventId}'`).join(',');
    await waitFor(
      'the posted events in the store',
      async () => {
        const run = await runTributary(box, ['query', '--sql', `select count(*)::int from events where event_id in (${ids})`, '--json']);
        return (JSON.parse(run.output) as { rows: number[][] }).rows[0]?.[0] === 3;
      },
      120_000,
    );
  }, 180_000);

  it('dlq replay sends a record once: the same records asked again are skipped as replayed before', async () => {
    const listed = await runTributary(box, ['dlq', 'list', '--stage', 'enrich', '--json', '--limit', '100000']);
    const positions = (JSON.parse(listed.output) as { records: { partition: number; offset: number }[] }).records
      .slice(0, 20)
      .map((r) => `${r.partition}:${r.offset}`);
    expect(positions.length).toBeGreaterThan(0);
    const first = await runTributary(box, ['dlq', 'replay', '--offset', ...positions]);
    expect(first.code).toBe(0);
    const sent = Number(/sent (\d+) to/.exec(first.output)?.[1]);
    expect(sent).toBeGreaterThan(0);
    // The replayed records fail enrichment again and come back to the DLQ marked as replays.
    await waitFor(
      'the replayed records back in the DLQ',
      async () => {
        const list = await runTributary(box, ['dlq', 'list', '--stage', 'enrich', '--json', '--limit', '100000']);
        const { records } = JSON.parse(list.output) as { records: { headers: { key: string }[] }[] };
        return records.filter((r) => r.headers.some((h) => h.key === 'tributary-replay-of')).length >= sent;
      },
      120_000,
    );
    const second = await runTributary(box, ['dlq', 'replay', '--offset', ...positions]);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/sent 0 to/);
    expect(Number(/skipped \d+ already stored, (\d+) replayed before/.exec(second.output)?.[1])).toBe(sent);
    expect(second.output).toContain('--again');
  }, 300_000);

  it('groups seek moves a stage through the running twin, which goes on consuming', async () => {
    const seek = await runTributary(box, ['groups', 'seek', 'sink', '--to', '1m']);
    timings.groupsSeek = seek.ms;
    expect(seek.code).toBe(0);
    expect(seek.output).toMatch(
      /moved \S+ on \S+ to 1m \(0:\d+ 1:\d+\): the running sink stage processes the [1-9]\d* records from there again/,
    );
    const future = await runTributary(box, ['groups', 'seek', 'sink', '--to', '2099-01-01T00:00:00Z']);
    expect(future.code).toBe(0);
    expect(future.output).toContain('no records at or after 2099-01-01T00:00:00Z');
    const bad = await runTributary(box, ['groups', 'seek', 'sink', '--to', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--to must be');
    const unknown = await runTributary(box, ['groups', 'seek', 'nope', '--to', 'earliest']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('unknown stage "nope"');
  }, 300_000);

  it('stops on SIGINT with everything drained, and the rollups match a recount of the events', async () => {
    twin.child.kill('SIGINT');
    expect(await twin.exited).toBe(0);
    expect(twin.output()).toContain('drained: every stage consumed everything before it');

    // No twin now: the CLI opens the folder itself, and two at once take turns instead of sharing it.
    const [a, b] = await Promise.all([
      runTributary(box, ['query', '--sql', 'select count(*)::int from sink_batches', '--json']),
      runTributary(box, ['query', 'top', 'dimension=sku', 'last=1h', '--json']),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);

    const store = await createPgliteThreadClient(box.dataDir);
    try {
      const recount = await recountRollups(store);
      expect(recount.events).toBeGreaterThan(0);
      expect(recount).toMatchObject({
        duplicateRows: 0,
        mismatchedMetricRows: 0,
        mismatchedProductRows: 0,
        overCounted: 0,
        underCounted: 0,
      });
      const [batches] = await store.query<{ inserted: number }>('SELECT sum(inserted)::int AS inserted FROM sink_batches');
      expect(batches?.inserted).toBe(recount.events);
    } finally {
      await store.close();
    }
    const refused = await runTributary(box, ['reset']);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('--yes');
    const reset = await runTributary(box, ['reset', '--yes']);
    expect(reset.code).toBe(0);
    expect(existsSync(box.dataDir)).toBe(false);
  }, 240_000);
});
