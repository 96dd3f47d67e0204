/** The assertions every fault test ends with: drained, every promise kept, nothing lost or doubled. */
import { expect } from 'vitest';
import type { FaultRun } from './fault-harness.js';

export function expectNothingLost(run: FaultRun): void {
  const { row, problems } = run.verification;
  expect(problems, 'broken promises').toEqual([]);
  expect(run.drained, 'every stage committed the end of its input').toBe(true);
  expect(row.lost, 'lost').toBe(0);
  expect(row.duplicated, 'duplicated').toBe(0);
  expect(run.produced.unacknowledged, 'records the producer never got acknowledged').toBe(0);
  expect(row.stored + row.inDlq + row.failureDestination).toBe(row.acknowledged);
  expect(row.stored).toBeGreaterThan(0);
  expect(row.inDlq).toBeGreaterThan(0);
}
