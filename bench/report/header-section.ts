/** The report's first lines: the run, the machine and its load. */
import type { BenchReport } from './bench-report.js';

export function headerSection(report: BenchReport): string[] {
  const m = report.machine;
  return [
    `Tributary benchmark (${report.mode}), ${report.startedAt.replace('T', ' ').slice(0, 16)} UTC, ${Math.round(report.durationSeconds)} s`,
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}; load average at start ${m.loadAverage.join(' / ')}`,
    `load average (1 min) after each phase: ${report.loadAverages.map((l) => `${l.phase} ${l.loadAverage}`).join(', ')}`,
    '',
  ];
}
