/** The report as an SVG chart: throughput against ceilings, scaling, latency and cost. */
import { STAGE_NAMES } from '../../src/pipeline/definition.js';
import type { StoreKind } from '../model/bench-results.js';
import { type BenchReport, compositeCeilingOf, relayCeiling, TARGETS } from './bench-report.js';
import { measuredStores, STORE_NAMES, x } from './report-values.js';
import { type Bar, PALETTE, type Panel, renderChart } from './svg-chart.js';

function throughputPanel(report: BenchReport, stores: readonly StoreKind[]): Panel {
  const relayRate = relayCeiling(report) ?? 0;
  const bars: Bar[] = [{ label: 'Kafka relay ceiling', value: relayRate, color: '#999' }];
  const composite = compositeCeilingOf(report, report.targetStore ?? 'postgres');
  if (composite)
    bars.push({
      label: 'composite ceiling (relay + handlers)',
      value: composite.eventsPerSecond,
      text: `${composite.eventsPerSecond.toLocaleString('en-US')} (${x(composite.eventsPerSecond, relayRate)})`,
      color: '#bbb',
    });
  stores.forEach((s, i) => {
    const rate = report.pipelines[s]?.search.sustainedRate;
    if (rate !== undefined)
      bars.push({
        label: `pipeline ${STORE_NAMES[s]}`,
        value: rate,
        text: `${rate.toLocaleString('en-US')} (${x(rate, relayRate)})`,
        color: PALETTE[i],
      });
  });
  return {
    kind: 'bar',
    title: 'Sustained throughput, events/s',
    unit: 'events/s',
    bars,
    ...(composite
      ? {
          reference: {
            value: composite.eventsPerSecond * TARGETS.pipelineToComposite,
            label: `target ${TARGETS.pipelineToComposite}x composite`,
          },
        }
      : {}),
  };
}

function sinkPanel(report: BenchReport, stores: readonly StoreKind[]): Panel {
  const bars: Bar[] = [];
  stores.forEach((s, i) => {
    const c = report.stores[s];
    if (!c) return;
    bars.push({ label: `${STORE_NAMES[s]} ${c.ceilingMethod} ceiling`, value: c.ceilingRowsPerSecond, color: '#999' });
    if (c.sameWorkRowsPerSecond) bars.push({ label: `${STORE_NAMES[s]} same work by COPY`, value: c.sameWorkRowsPerSecond, color: '#bbb' });
    bars.push({
      label: `${STORE_NAMES[s]} sink`,
      value: c.sinkRowsPerSecond,
      text: `${c.sinkRowsPerSecond.toLocaleString('en-US')} (${x(c.sinkRowsPerSecond, c.ceilingRowsPerSecond)})`,
      color: PALETTE[i],
    });
  });
  return { kind: 'bar', title: 'Sink vs. bulk insert ceiling, rows/s', unit: 'rows/s', bars };
}

function latencyPanel(report: BenchReport, stores: readonly StoreKind[]): Panel {
  const bars: Bar[] = [];
  stores.forEach((s, i) => {
    const l = report.pipelines[s]?.latency;
    if (!l) return;
    for (const [label, value] of [
      ['p50', l.p50Ms],
      ['p95', l.p95Ms],
      ['p99', l.p99Ms],
    ] as const) {
      bars.push({ label: `${STORE_NAMES[s]} ${label}`, value, text: `${value} ms`, color: PALETTE[i] });
    }
  });
  return {
    kind: 'bar',
    title: 'Ingest-to-queryable latency at half load',
    unit: 'ms',
    bars,
    reference: { value: 1000, label: 'target p99 1 s' },
  };
}

function scalingPanels(report: BenchReport): Panel[] {
  const sc = report.scaling;
  if (!sc) return [];
  return [
    {
      kind: 'line',
      title: `Throughput by partitions (${STORE_NAMES[sc.store]})`,
      unit: 'events/s',
      xTitle: 'partitions',
      x: sc.partitions.map((p) => String(p.partitions)),
      series: [{ name: 'pipeline', values: sc.partitions.map((p) => p.sustainedRate) }],
    },
    {
      kind: 'line',
      title: `Throughput by batch size (${STORE_NAMES[sc.store]})`,
      unit: 'events/s',
      xTitle: 'batch size',
      x: sc.batchSizes.map((p) => String(p.batchSize)),
      series: [{ name: 'pipeline', values: sc.batchSizes.map((p) => p.sustainedRate), color: PALETTE[2] }],
    },
  ];
}

function costPanels(report: BenchReport): Panel[] {
  const cost = report.costModel;
  if (!cost) return [];
  const bars: Bar[] = STAGE_NAMES.map((s, i) => ({
    label: s,
    value: cost.stages[s].computeUsdPerMillion,
    text: `$${cost.stages[s].computeUsdPerMillion.toFixed(4)}`,
    color: PALETTE[i + 3],
  }));
  bars.push({
    label: 'three stages',
    value: cost.lambdaPerMillion.computeUsd,
    text: `$${cost.lambdaPerMillion.computeUsd.toFixed(4)}`,
    color: '#555',
  });
  return [
    { kind: 'bar', title: 'Lambda arm64 compute per million events', unit: 'USD', bars, reference: { value: 0.01, label: 'target $0.01' } },
  ];
}

function subtitle(report: BenchReport): string {
  const load = report.loadAverages.map((l) => l.loadAverage);
  const first = report.machine.loadAverage[0];
  return `${report.mode} run ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC; ${report.machine.cores} cores; load average ${Math.min(...load, first)}-${Math.max(...load, first)} (other work was running; ratios are to ceilings measured in the same run)`;
}

export function reportChart(report: BenchReport): string {
  const stores = measuredStores(report);
  const panels: Panel[] = [
    throughputPanel(report, stores),
    sinkPanel(report, stores),
    latencyPanel(report, stores),
    ...scalingPanels(report),
    ...costPanels(report),
  ];
  return renderChart('Tributary: throughput, freshness and cost', subtitle(report), panels);
}
