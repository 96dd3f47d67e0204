/** Throughput by partitions and by batch size, as shares of the relay ceiling. */
import type { BenchReport, ScalingPoint } from './bench-report.js';
import { n, STORE_NAMES } from './report-values.js';

function scalingLines(label: string, points: readonly ScalingPoint[], key: 'partitions' | 'batchSize'): string[] {
  return [
    `  ${label.padEnd(12)} ${points.map((p) => String(p[key]).padStart(14)).join('')}`,
    `  ${'events/s'.padEnd(12)} ${points.map((p) => `${n(p.sustainedRate)} (${p.ratioToRelay.toFixed(2)}x)`.padStart(14)).join('')}`,
  ];
}

export function scalingSection(report: BenchReport): string[] {
  const sc = report.scaling;
  if (!sc) return [];
  return [
    `Scaling (${STORE_NAMES[sc.store]}; x = share of the relay ceiling)`,
    ...scalingLines('partitions', sc.partitions, 'partitions'),
    ...scalingLines('batch size', sc.batchSizes, 'batchSize'),
    '',
  ];
}
