/** The pipeline table: the twin with the real handlers, one column per store. */
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { StoreKind } from '../model/bench-results.js';
import { type BenchReport, relayCeiling } from './bench-report.js';
import { heldProbe, n, row, STORE_NAMES, storeColumns, x } from './report-values.js';

type Cell = (store: StoreKind) => string;

function throughputRows(report: BenchReport): [string, Cell][] {
  const relayRate = relayCeiling(report);
  const relayPerCpu = report.relay ? heldProbe(report.relay.search)?.eventsPerCpuSecond : undefined;
  return [
    [
      '  shape',
      (s) => {
        const p = report.pipelines[s];
        return p ? `p=${p.partitions} b=${p.batchSize} w=${p.batchingWindowMs}ms` : '-';
      },
    ],
    [
      '  sustained events/s (x relay)',
      (s) => {
        const r = report.pipelines[s]?.search.sustainedRate;
        return `${n(r)} (${x(r, relayRate)})`;
      },
    ],
    [
      '  events per CPU-second (x relay)',
      (s) => {
        const p = report.pipelines[s];
        const e = p ? heldProbe(p.search)?.eventsPerCpuSecond : undefined;
        return `${n(e)} (${x(e, relayPerCpu)})`;
      },
    ],
  ];
}

function sinkRows(report: BenchReport): [string, Cell][] {
  return [
    [
      '  sink rows/s (x store ceiling)',
      (s) => {
        const c = report.stores[s];
        return c ? `${n(c.sinkRowsPerSecond)} (${x(c.sinkRowsPerSecond, c.ceilingRowsPerSecond)})` : '-';
      },
    ],
    [
      '  sink rows/s by batch size',
      (s) => report.stores[s]?.sinkBySize.map((b) => `${b.batchSize}: ${n(b.rowsPerSecond)}`).join(', ') ?? '-',
    ],
  ];
}

function latencyRows(report: BenchReport): [string, Cell][] {
  return [
    ['  latency at half load, events/s', (s) => n(report.pipelines[s]?.latency?.rate)],
    [
      '  latency p50 / p95 / p99 ms',
      (s) => {
        const l = report.pipelines[s]?.latency;
        return l ? `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms}` : '-';
      },
    ],
    ...STAGE_NAMES.map((stage): [string, Cell] => [
      `  ${stage} µs/record half / max load`,
      (s) => {
        const p = report.pipelines[s];
        return p ? `${p.latency?.stages[stage].microsPerRecord ?? '-'} / ${p.maxLoadStages?.[stage].microsPerRecord ?? '-'}` : '-';
      },
    ]),
    [
      '  records per invocation (half load)',
      (s) => {
        const l = report.pipelines[s]?.latency;
        return l ? STAGE_NAMES.map((st) => Math.round(l.stages[st].meanRecordsPerInvocation)).join(' / ') : '-';
      },
    ],
  ];
}

function memoryRows(report: BenchReport): [string, Cell][] {
  return [
    [
      '  peak RSS MB (held probes)',
      (s) => {
        const p = report.pipelines[s];
        return p ? `${p.peakRssMb} (${p.heldRssMaxMb})` : '-';
      },
    ],
  ];
}

export function pipelineSection(report: BenchReport, stores: readonly StoreKind[]): string[] {
  const widths = storeColumns(stores);
  const rows = [...throughputRows(report), ...sinkRows(report), ...latencyRows(report), ...memoryRows(report)];
  return [
    row(['Pipeline (real handlers, twin)', ...stores.map((s) => STORE_NAMES[s])], widths),
    ...rows.map(([label, cell]) => row([label, ...stores.map(cell)], widths)),
    '',
  ];
}
