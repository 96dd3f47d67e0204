/**
 * The CLI as a new user meets it, with no twin running: --version, help that lists each query's
 * parameters, clear refusals (a stage's event given to another function, a parameter that does
 * not exist), status and reset on an empty folder. Each command runs in its own process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runTributary, sandbox } from '../helpers/cli-process.js';

const box = sandbox();

describe('tributary CLI without a twin', () => {
  it('prints its version', async () => {
    const run = await runTributary(box, ['--version']);
    expect(run.code).toBe(0);
    expect(run.output.trim()).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('query --help lists every named query with its parameters and what they take', async () => {
    const run = await runTributary(box, ['query', '--help']);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/top: the top N values/);
    expect(run.output).toMatch(/dimension\s+must be one of event_type, category, country, device_class, sku/);
    expect(run.output).toMatch(/last\s+must be a duration/);
    expect(run.output).not.toContain('window=15m');
  });

  it('refuses an unknown query parameter, naming it', async () => {
    const run = await runTributary(box, ['query', 'top', 'window=15m']);
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/window/);
    expect(run.output).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('refuses to run the sink on an ingest event, saying which function reads it', async () => {
    const run = await runTributary(box, ['invoke', 'sink', 'events/ingest/valid-batch.json']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('holds records of storefront-raw, which the ingest function reads; sink reads storefront-enriched');
    expect(run.output).toContain('tributary invoke ingest events/ingest/valid-batch.json');
  });

  it('status says no twin runs; reset asks for --yes, then empties the folder', async () => {
    const status = await runTributary(box, ['status']);
    expect(status.code).toBe(0);
    expect(status.output).toContain('No local twin is running here');
    expect(status.output).toContain(`Local store: ${box.dataDir}`);
    const ask = await runTributary(box, ['reset']);
    expect(ask.code).toBe(2);
    expect(ask.output).toContain('run again with --yes');
  });

  it('Kafka tools without a twin or KAFKA_BROKERS say how to get one', async () => {
    const run = await runTributary(box, ['topics']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('no running local twin found (start one with `npm start`)');
    const seek = await runTributary(box, ['groups', 'seek', 'sink', '--to', '15m']);
    expect(seek.code).toBe(2);
    expect(seek.output).toContain('no running local twin found (start one with `npm start`) and KAFKA_BROKERS is not set');
  });
});
