/**
 * The capture under faults: killed with SIGKILL in the middle of a 10,000-row transaction, Kafka
 * unreachable for 30 s, the source server restarted. Each time every committed change reaches
 * Kafka (lost 0), and the orders mirror built from Kafka equals the source table (nothing applied
 * twice or out of order); copies the capture sent again after a restart are counted, and absorbed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { type CdcFaultBench, openCdcFaultBench } from './cdc-fault-harness.js';
import { recordFaultRow } from './fault-row-meta.js';

let bench: CdcFaultBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('change data capture faults', () => {
  it('capture killed (SIGKILL) mid-transaction, then restarted', async ({ task }) => {
    bench = await openCdcFaultBench();
    const { writer } = bench;
    await writer.transaction(50);
    const first = await bench.startCaptureProcess();
    await writer.transaction(20, 10);
    const before = first.stats()?.recordsAcknowledged ?? 0;
    // A 10,000-row transaction: kill the capture once Kafka acknowledged part of it, before the
    // slot could confirm it.
    const big = writer.transaction(10_000);
    await waitFor('part of the big transaction published', () => (first.stats()?.recordsAcknowledged ?? 0) >= before + 1000, 120_000);
    const confirmedBeforeKill = first.stats()?.changesPublished ?? 0;
    await first.kill();
    await big;
    await writer.transaction(5, 5);
    const second = await bench.startCaptureProcess();
    await writer.transaction(5, 5);
    await waitFor('everything captured', async () => (second.stats()?.pendingRecords ?? 1) === 0 && (await caughtUp(bench)), 120_000);
    await second.kill();

    const result = await bench.verify('CDC: capture killed -9 mid-transaction');
    recordFaultRow(task, result.row);
    expect(result.row.lost).toBe(0);
    expect(result.row.duplicated).toBe(0);
    expect(result.mirrorEqualsSource).toBe(true);
    expect(result.row.acknowledged).toBeGreaterThan(10_000);
    // The kill came before the big transaction was confirmed: it was sent again after the restart.
    expect(confirmedBeforeKill).toBeLessThan(10_000);
    expect(result.row.redelivered).toBeGreaterThan(0);
  });

  it('Kafka unreachable for 30 s, then back', async ({ task }) => {
    bench = await openCdcFaultBench();
    const capture = await bench.startCapture();
    bench.writer.start();
    await waitFor('changes flowing', () => capture.stats().changesPublished > 50, 60_000);
    for (const id of [1, 2, 3]) bench.kafka.brokerDown(id);
    const downSince = Date.now();
    await waitFor('30 s with Kafka down', () => Date.now() - downSince >= 30_000, 60_000);
    const retriesWhileDown = capture.stats().publishRetries;
    for (const id of [1, 2, 3]) bench.kafka.brokerUp(id);
    await new Promise((r) => setTimeout(r, 2000));
    await bench.writer.stop();
    expect(await capture.caughtUp(120_000)).toBe(true);
    await capture.stop();

    const result = await bench.verify('CDC: Kafka unreachable 30 s');
    recordFaultRow(task, result.row);
    expect(retriesWhileDown).toBeGreaterThan(0);
    expect(result.row.lost).toBe(0);
    expect(result.row.duplicated).toBe(0);
    expect(result.mirrorEqualsSource).toBe(true);
  });

  it('source database restarted under the capture', async ({ task }) => {
    bench = await openCdcFaultBench();
    const capture = await bench.startCapture();
    bench.writer.start();
    await waitFor('changes flowing', () => capture.stats().changesPublished > 50, 60_000);
    await bench.restartSource();
    await waitFor('the capture reconnected', () => capture.stats().reconnects > 0, 60_000);
    const after = capture.stats().changesPublished;
    await waitFor('changes flowing again', () => capture.stats().changesPublished > after + 50, 60_000);
    await bench.writer.stop();
    expect(await capture.caughtUp(60_000)).toBe(true);
    await capture.stop();

    const result = await bench.verify('CDC: source restarted');
    recordFaultRow(task, result.row);
    expect(result.row.lost).toBe(0);
    expect(result.row.duplicated).toBe(0);
    expect(result.mirrorEqualsSource).toBe(true);
  });
});

/**
 * Whether the capture (in another process) confirmed everything committed so far: a transactional
 * logical message is written, and its transaction must be confirmed by the slot.
 */
async function caughtUp(bench: CdcFaultBench | undefined): Promise<boolean> {
  if (!bench) return false;
  const [mark] = await bench.shop.query<{ lsn: string }>("SELECT pg_logical_emit_message(true, 'fault-test', 'mark')::text AS lsn");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const [row] = await bench.shop.query<{ ok: boolean }>(
      'SELECT confirmed_flush_lsn > $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1',
      [bench.slot, mark?.lsn],
    );
    if (row?.ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
