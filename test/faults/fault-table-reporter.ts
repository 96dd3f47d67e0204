/**
 * Prints the fault table after `npm run test:faults`: one row per fault test, taken from the row
 * each test attaches to its task meta (recordFaultRow). TRIBUTARY_FAULT_TABLE=<file> also writes
 * the table as Markdown (for docs/faults.md).
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import { type FaultRow, formatFaultTable } from '../verify/fault-row.js';
import './fault-row-meta.js';

export default class FaultTableReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: FaultRow[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const row = test.meta().faultRow;
        if (row) rows.push(row);
      }
    }
    if (rows.length === 0) return;
    process.stdout.write(`\nFault table (records; lost and duplicated must be 0):\n\n${formatFaultTable(rows)}\n\n`);
    const file = process.env.TRIBUTARY_FAULT_TABLE;
    if (file) writeFileSync(file, `${formatFaultTable(rows, 'markdown')}\n`);
  }
}
