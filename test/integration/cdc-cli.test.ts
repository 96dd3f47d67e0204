/**
 * `tributary cdc` as a user runs it: a child process capturing a PostgreSQL database
 * (SOURCE_DATABASE_URL) into Kafka (KAFKA_BROKERS), stopped with Ctrl-C (SIGINT); a second run
 * resumes from the slot without sending the snapshot again. Missing configuration: one line, exit 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdcKafka, cdcKafka, type SourceDatabase, sourceDatabase } from '../helpers/cdc-source.js';
import { waitFor } from '../helpers/wait-for.js';

function runCdc(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'local/cli.ts'), 'cdc', ...args], {
    env: { ...process.env, ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, stderr: () => stderr };
}

describe('tributary cdc', () => {
  let kafka: CdcKafka;
  let source: SourceDatabase;
  let stateDir: string;

  beforeAll(async () => {
    kafka = await cdcKafka();
    source = await sourceDatabase();
    stateDir = mkdtempSync(join(tmpdir(), 'tributary-cdc-cli-'));
    await source.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await source.query("INSERT INTO notes VALUES (1, 'before the first run')");
    await kafka.ensureTopic('cli.public.notes');
  });
  afterAll(async () => {
    await source?.dispose();
    await kafka?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('captures until Ctrl-C, and resumes from the slot on the next run', async () => {
    const env = { SOURCE_DATABASE_URL: source.url, KAFKA_BROKERS: kafka.embedded.bootstrapServers };
    const args = ['--tables', 'public.notes', '--topic-prefix', 'cli', '--slot', 'cli_slot', '--state-dir', stateDir];
    const first = runCdc(env, args);
    await waitFor('the capture to start', () => first.stderr().includes('Capturing public.notes'), 60_000);
    await source.query("INSERT INTO notes VALUES (2, 'during the first run')");
    await waitFor('two events in Kafka', async () => (await kafka.events('cli.public.notes')).length === 2, 30_000);
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
    expect(first.stderr()).toMatch(/Stopped at LSN \S+: 2 changes published/);

    await source.query("INSERT INTO notes VALUES (3, 'between the runs')");
    const second = runCdc(env, args);
    await waitFor('the change made between the runs', async () => (await kafka.events('cli.public.notes')).length >= 3, 60_000);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
    const events = await kafka.events('cli.public.notes');
    expect(events.map((e) => [e.op, e.after?.id])).toEqual([
      ['r', 1],
      ['c', 2],
      ['c', 3],
    ]);
  });

  it('says in one line what is missing, exit code 2', async () => {
    const run = runCdc({ SOURCE_DATABASE_URL: '' }, []);
    expect(await run.exit).toBe(2);
    expect(run.stderr().trim()).toBe('tributary: environment variable SOURCE_DATABASE_URL is required but not set');
  });
});
