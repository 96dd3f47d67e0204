/** Each target with its verdict, on the store the targets were judged on. */
import type { BenchReport, TargetResult } from './bench-report.js';
import { STORE_NAMES } from './report-values.js';

function targetLine(t: TargetResult): string {
  const unit = t.unit === 'x' ? 'x' : ` ${t.unit}`;
  const value = t.value === null ? 'not measured' : `${t.value}${unit}`;
  return `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${value} (target ${t.comparison} ${t.threshold}${unit}); ${t.detail}`;
}

export function targetsSection(report: BenchReport): string[] {
  if (report.targets.length === 0) return [];
  return [`Targets (${STORE_NAMES[report.targetStore ?? 'postgres']})`, ...report.targets.map(targetLine), ''];
}
