/** The store goes away under load (connections killed, new ones refused) and comes back. */
import { describe, expect, it } from 'vitest';
import { expectNothingLost } from './expect-nothing-lost.js';
import { bringStoreBack, ON_DEMAND, PROVISIONED_KAFKA_DESTINATION, runFaultScenario, takeStoreDown } from './fault-harness.js';
import { recordFaultRow } from './fault-row-meta.js';

describe('store faults', () => {
  it('store unreachable for a while, then back', async ({ task }) => {
    let killed = 0;
    let failedWhileDown = 0;
    const run = await runFaultScenario({
      fault: 'store unreachable, then back',
      mode: PROVISIONED_KAFKA_DESTINATION,
      inject: async ({ store, log, progress, waitFor, hold }) => {
        await progress(0.25);
        const failedBefore = log.failedInvocations.sink;
        killed = await takeStoreDown(store);
        try {
          await waitFor('the sink failing against the store', () => log.failedInvocations.sink >= failedBefore + 3);
          await hold(2000);
        } finally {
          failedWhileDown = log.failedInvocations.sink - failedBefore;
          await bringStoreBack(store);
        }
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    // The fault bit: connections were killed and the sink failed until the store came back, then retried.
    expect(killed).toBeGreaterThan(0);
    expect(failedWhileDown).toBeGreaterThanOrEqual(3);
    expect(run.verification.row.failureDestination).toBe(0);
  });

  it('store unreachable for longer than 10 retries in on-demand mode: batches wait, none goes to the failures topic', async ({ task }) => {
    const run = await runFaultScenario({
      fault: 'store unreachable past 10 retries (on-demand)',
      mode: ON_DEMAND,
      // 10 retries take about 4 s at this backoff; the store stays away until a batch failed more often.
      retryBackoff: { initialMs: 50, maxMs: 500 },
      inject: async ({ store, log, progress, waitFor }) => {
        await progress(0.25);
        await takeStoreDown(store);
        try {
          await waitFor('a sink batch failing more than 12 times', () => log.maxAttempt.sink > 12, 120_000);
        } finally {
          await bringStoreBack(store);
        }
      },
    });
    recordFaultRow(task, run.verification.row);
    expectNothingLost(run);
    expect(run.log.maxAttempt.sink).toBeGreaterThan(12);
    expect(run.verification.row.failureDestination).toBe(0);
  });
});
