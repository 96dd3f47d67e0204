/** Lets a fault test attach its row of the fault table to its task, for the reporter to print. */
import type { Test } from 'vitest';
import type { FaultRow } from '../verify/fault-row.js';

declare module '@vitest/runner' {
  interface TaskMeta {
    faultRow?: FaultRow;
  }
}

/** Attaches the row before the test's assertions run, so a failing fault still shows its counts. */
export function recordFaultRow(task: Pick<Test, 'meta'>, row: FaultRow): void {
  task.meta.faultRow = row;
}
