/** The store goes away under load (connections killed, new ones refused) and comes back. */
import { describe, expect, it } from 'vitest';
import { expectNothingLost } from './expect-nothing-lost.js';
import { bringStoreBack, runFaultScenario, takeStoreDown } from './fault-harness.js';
import { recordFaultRow } from './fault-row-meta.js';

describe('store faults', () => {
  it('store unreachable for a while, then back', async ({ task }) => {
    let killed = 0;
    let failedWhileDown = 0;
    const run = await runFaultScenario({
      fault: 'store unreachable, then back',
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
});
