/** The benchmark report as a printed table and as a chart. */
import { pipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { type BenchReport, relayCeiling, type ScalingPoint } from './bench-report.js';
import { type ProbeResult, type SearchResult, STORE_KINDS, type StoreKind } from './bench-results.js';
import { formatProfileSummary } from './cpu-profile-summary.js';
import { type Bar, PALETTE, type Panel, renderChart } from './svg-chart.js';

const DEFAULT_BATCH = pipeline.stages.ingest.batchSize;
const STORE_NAMES: Record<StoreKind, string> = { postgres: 'PostgreSQL', pglite: 'PGlite' };
const n = (v: number | undefined | null) => (v === undefined || v === null ? '-' : Math.round(v).toLocaleString('en-US'));
const x = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '-');
const usd = (v: number) => `$${v < 0.01 ? v.toFixed(5) : v.toFixed(3)}`;

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}

/** The held probe at the sustained rate. */
function heldProbe(search: SearchResult): ProbeResult | undefined {
  return search.probes.filter((p) => p.held && p.rate === search.sustainedRate).at(-1);
}

function measuredStores(report: BenchReport): StoreKind[] {
  return STORE_KINDS.filter((s) => report.pipelines[s] || report.stores[s]);
}

/** The report as aligned text for the terminal and docs/performance.md. */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `Tributary benchmark (${report.mode}), ${report.startedAt.replace('T', ' ').slice(0, 16)} UTC, ${Math.round(report.durationSeconds)} s`,
  );
  out.push(`${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}; load average at start ${m.loadAverage.join(' / ')}`);
  out.push(`load average (1 min) after each phase: ${report.loadAverages.map((l) => `${l.phase} ${l.loadAverage}`).join(', ')}`);
  out.push('');
  const stores = measuredStores(report);
  const relay = report.relay;
  const relayRate = relayCeiling(report);
  out.push('Ceilings, measured first on the same broker and store');
  if (relay) {
    const again = report.relayRepeat
      ? `; again after the pipeline runs ${n(report.relayRepeat.search.sustainedRate)}, ceiling used: mean ${n(relayRate)}`
      : '';
    out.push(
      `  Kafka relay, ${relay.hops} hops, ${relay.partitions} partitions, no processing   ${n(relay.search.sustainedRate)} events/s sustained${again}; ${n(heldProbe(relay.search)?.eventsPerCpuSecond)} events per CPU-second`,
    );
  }
  for (const s of stores) {
    const c = report.stores[s];
    if (!c) continue;
    const methods = c.methods.map((mm) => `${mm.method}/${mm.batchSize} ${n(mm.rowsPerSecond)}`).join(', ');
    out.push(
      `  ${STORE_NAMES[s]} bulk insert, fastest at batches of ${c.batchSize} (${c.ceilingMethod})   ${n(c.ceilingRowsPerSecond)} rows/s   [${methods}]`,
    );
    if (c.sameWorkRowsPerSecond)
      out.push(
        `  ${STORE_NAMES[s]} the sink's work (events + rollups) by COPY into a staging table, then the sink's statement   ${n(c.sameWorkRowsPerSecond)} rows/s; the sink: ${x(c.sinkRowsPerSecond, c.sameWorkRowsPerSecond)} of it`,
      );
  }
  out.push('');

  const widths = [34, ...stores.map(() => 24)];
  out.push(row(['Pipeline (real handlers, twin)', ...stores.map((s) => STORE_NAMES[s])], widths));
  const pick = (f: (s: StoreKind) => string) => stores.map(f);
  out.push(
    row(
      [
        '  shape',
        ...pick((s) => {
          const p = report.pipelines[s];
          return p ? `p=${p.partitions} b=${p.batchSize} w=${p.batchingWindowMs}ms` : '-';
        }),
      ],
      widths,
    ),
  );
  out.push(
    row(
      [
        '  sustained events/s (x relay)',
        ...pick((s) => {
          const r = report.pipelines[s]?.search.sustainedRate;
          return `${n(r)} (${x(r, relayRate)})`;
        }),
      ],
      widths,
    ),
  );
  out.push(
    row(
      [
        '  events per CPU-second (x relay)',
        ...pick((s) => {
          const p = report.pipelines[s];
          const e = p ? heldProbe(p.search)?.eventsPerCpuSecond : undefined;
          return `${n(e)} (${x(e, relay ? heldProbe(relay.search)?.eventsPerCpuSecond : undefined)})`;
        }),
      ],
      widths,
    ),
  );
  out.push(
    row(
      [
        '  sink rows/s (x store ceiling)',
        ...pick((s) => {
          const c = report.stores[s];
          return c ? `${n(c.sinkRowsPerSecond)} (${x(c.sinkRowsPerSecond, c.ceilingRowsPerSecond)})` : '-';
        }),
      ],
      widths,
    ),
  );
  out.push(
    row(
      [
        '  sink rows/s by batch size',
        ...pick((s) => report.stores[s]?.sinkBySize.map((b) => `${b.batchSize}: ${n(b.rowsPerSecond)}`).join(', ') ?? '-'),
      ],
      widths,
    ),
  );
  out.push(row(['  latency at half load, events/s', ...pick((s) => n(report.pipelines[s]?.latency?.rate))], widths));
  out.push(
    row(
      [
        '  latency p50 / p95 / p99 ms',
        ...pick((s) => {
          const l = report.pipelines[s]?.latency;
          return l ? `${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms}` : '-';
        }),
      ],
      widths,
    ),
  );
  for (const stage of STAGE_NAMES) {
    out.push(
      row(
        [
          `  ${stage} µs/record half / max load`,
          ...pick((s) => {
            const p = report.pipelines[s];
            return p ? `${p.latency?.stages[stage].microsPerRecord ?? '-'} / ${p.maxLoadStages?.[stage].microsPerRecord ?? '-'}` : '-';
          }),
        ],
        widths,
      ),
    );
  }
  out.push(
    row(
      [
        '  records per invocation (half load)',
        ...pick((s) => {
          const l = report.pipelines[s]?.latency;
          return l ? STAGE_NAMES.map((st) => Math.round(l.stages[st].meanRecordsPerInvocation)).join(' / ') : '-';
        }),
      ],
      widths,
    ),
  );
  out.push(
    row(
      [
        '  peak RSS MB (held probes)',
        ...pick((s) => {
          const p = report.pipelines[s];
          return p ? `${p.peakRssMb} (${p.heldRssMaxMb})` : '-';
        }),
      ],
      widths,
    ),
  );
  out.push('');

  const handlerStores = stores.filter((s) => report.handlers[s]);
  if (handlerStores.length > 0) {
    const batch = DEFAULT_BATCH;
    out.push(row([`Handlers alone, batches of ${batch}`, ...handlerStores.map((s) => STORE_NAMES[s])], widths));
    for (const stage of STAGE_NAMES) {
      out.push(
        row(
          [
            `  ${stage} µs/record wall / CPU`,
            ...handlerStores.map((s) => {
              const point = report.handlers[s]?.stages[stage].points.find((p) => p.records === batch);
              return point ? `${((point.wallMs * 1000) / batch).toFixed(1)} / ${((point.activeMs * 1000) / batch).toFixed(1)}` : '-';
            }),
          ],
          widths,
        ),
      );
    }
    if (report.stageCost) {
      out.push(
        `  bench/cost/stage-cost.ts (cores only, no I/O): ingest ${report.stageCost.ingestMicrosPerRecord ?? '?'} µs/record, enrich ${report.stageCost.enrichMicrosPerRecord ?? '?'} µs/record`,
      );
    }
    out.push('');
  }

  if (report.scaling) {
    const sc = report.scaling;
    const line = (label: string, points: ScalingPoint[], key: 'partitions' | 'batchSize') => {
      out.push(`  ${label.padEnd(12)} ${points.map((p) => String(p[key]).padStart(14)).join('')}`);
      out.push(
        `  ${'events/s'.padEnd(12)} ${points.map((p) => `${n(p.sustainedRate)} (${p.ratioToRelay.toFixed(2)}x)`.padStart(14)).join('')}`,
      );
    };
    out.push(`Scaling (${STORE_NAMES[sc.store]}; x = share of the relay ceiling)`);
    line('partitions', sc.partitions, 'partitions');
    line('batch size', sc.batchSizes, 'batchSize');
    out.push('');
  }

  const cost = report.costModel;
  if (cost) {
    out.push(
      `AWS cost per million events (${cost.region}, list prices checked ${cost.pricesChecked}; measured on ${STORE_NAMES[report.targetStore ?? 'postgres']})`,
    );
    const cw = [8, 7, 6, 12, 22, 10, 12, 12];
    out.push(row(['  stage', 'memory', 'batch', 'invocations', 'ms wall/cpu->billed', 'GB-s', 'compute', 'requests'], cw));
    for (const stage of STAGE_NAMES) {
      const c = cost.stages[stage];
      out.push(
        row(
          [
            `  ${stage}`,
            `${c.memoryMb}`,
            `${c.batchSize}`,
            n(c.invocationsPerMillion),
            `${c.localWallMs}/${c.localCpuMs}->${c.billedMsPerInvocation}`,
            c.gbSecondsPerMillion.toFixed(1),
            usd(c.computeUsdPerMillion),
            usd(c.requestsUsdPerMillion),
          ],
          cw,
        ),
      );
    }
    const l = cost.lambdaPerMillion;
    out.push(
      `  Lambda, three stages: ${l.gbSeconds} GB-s = ${usd(l.computeUsd)} compute + ${usd(l.requestsUsd)} requests = ${usd(l.totalUsd)}`,
    );
    out.push(
      `  compute if the whole wall time ran at one vCPU: ${usd(l.computeUsdWithoutCpuScale)}; upper bound from the emulator's durations under load, all scaled: ${l.computeUsdUpperBound === undefined ? '-' : usd(l.computeUsdUpperBound)}`,
    );
    out.push(
      `  at the batch sizes seen at half load: ${STAGE_NAMES.map((s) => `${s} ${cost.stages[s].observed.meanRecordsPerInvocation} records ${usd(cost.stages[s].observed.computeUsdPerMillion + cost.stages[s].observed.requestsUsdPerMillion)}`).join(', ')} (compute + requests)`,
    );
    out.push(
      `  MSK Serverless data: ${cost.mskDataPerMillion.writtenGiB} GiB written + ${cost.mskDataPerMillion.readGiB} GiB read = ${usd(cost.mskDataPerMillion.usd)}`,
    );
    const f = cost.fixedPerHour;
    out.push(
      `  fixed per hour: MSK Serverless cluster ${usd(f.mskClusterUsd)} + ${f.partitions} partitions ${usd(f.mskPartitionsUsd)} + Aurora Serverless v2 ${f.auroraMinAcu} ACU ${usd(f.auroraUsd)} = ${usd(f.totalUsd)}/h (${usd(f.totalUsd * 730)} a month)`,
    );
    out.push('  prices:');
    for (const p of Object.values(cost.prices))
      out.push(`    $${Number(p.usd.toPrecision(6))} per ${p.unit}: ${p.source}; also ${p.corroboration}`);
    out.push('');
  }

  if (report.targets.length > 0) {
    out.push(`Targets (${STORE_NAMES[report.targetStore ?? 'postgres']})`);
    for (const t of report.targets) {
      const value = t.value === null ? 'not measured' : `${t.value}${t.unit === 'x' ? 'x' : ` ${t.unit}`}`;
      out.push(
        `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${value} (target ${t.comparison} ${t.threshold}${t.unit === 'x' ? 'x' : ` ${t.unit}`}); ${t.detail}`,
      );
    }
    out.push('');
  }
  if (report.profile) {
    out.push(
      `CPU profile of the twin at ${n(report.profile.rate)} events/s for ${report.profile.seconds} s (${STORE_NAMES[report.profile.store]}): ${report.profile.path}`,
    );
    out.push(formatProfileSummary(report.profile.summary));
    out.push('');
  }
  for (const error of report.errors) out.push(`ERROR ${error}`);
  return out.join('\n');
}

/** The report as an SVG chart: throughput against ceilings, scaling, latency and cost. */
export function reportChart(report: BenchReport): string {
  const stores = measuredStores(report);
  const relayRate = relayCeiling(report) ?? 0;
  const panels: Panel[] = [];
  const throughput: Bar[] = [{ label: 'Kafka relay ceiling', value: relayRate, color: '#999' }];
  stores.forEach((s, i) => {
    const rate = report.pipelines[s]?.search.sustainedRate;
    if (rate !== undefined)
      throughput.push({
        label: `pipeline ${STORE_NAMES[s]}`,
        value: rate,
        text: `${rate.toLocaleString('en-US')} (${x(rate, relayRate)})`,
        color: PALETTE[i],
      });
  });
  panels.push({
    kind: 'bar',
    title: 'Sustained throughput, events/s',
    unit: 'events/s',
    bars: throughput,
    ...(relayRate ? { reference: { value: relayRate * 0.6, label: 'target 0.6x relay' } } : {}),
  });

  const sink: Bar[] = [];
  stores.forEach((s, i) => {
    const c = report.stores[s];
    if (!c) return;
    sink.push({ label: `${STORE_NAMES[s]} ${c.ceilingMethod} ceiling`, value: c.ceilingRowsPerSecond, color: '#999' });
    if (c.sameWorkRowsPerSecond) sink.push({ label: `${STORE_NAMES[s]} same work by COPY`, value: c.sameWorkRowsPerSecond, color: '#bbb' });
    sink.push({
      label: `${STORE_NAMES[s]} sink`,
      value: c.sinkRowsPerSecond,
      text: `${c.sinkRowsPerSecond.toLocaleString('en-US')} (${x(c.sinkRowsPerSecond, c.ceilingRowsPerSecond)})`,
      color: PALETTE[i],
    });
  });
  panels.push({ kind: 'bar', title: 'Sink vs. bulk insert ceiling, rows/s', unit: 'rows/s', bars: sink });

  const latency: Bar[] = [];
  stores.forEach((s, i) => {
    const l = report.pipelines[s]?.latency;
    if (!l) return;
    for (const [label, value] of [
      ['p50', l.p50Ms],
      ['p95', l.p95Ms],
      ['p99', l.p99Ms],
    ] as const) {
      latency.push({ label: `${STORE_NAMES[s]} ${label}`, value, text: `${value} ms`, color: PALETTE[i] });
    }
  });
  panels.push({
    kind: 'bar',
    title: 'Ingest-to-queryable latency at half load',
    unit: 'ms',
    bars: latency,
    reference: { value: 1000, label: 'target p99 1 s' },
  });

  if (report.scaling) {
    const sc = report.scaling;
    panels.push({
      kind: 'line',
      title: `Throughput by partitions (${STORE_NAMES[sc.store]})`,
      unit: 'events/s',
      xTitle: 'partitions',
      x: sc.partitions.map((p) => String(p.partitions)),
      series: [{ name: 'pipeline', values: sc.partitions.map((p) => p.sustainedRate) }],
    });
    panels.push({
      kind: 'line',
      title: `Throughput by batch size (${STORE_NAMES[sc.store]})`,
      unit: 'events/s',
      xTitle: 'batch size',
      x: sc.batchSizes.map((p) => String(p.batchSize)),
      series: [{ name: 'pipeline', values: sc.batchSizes.map((p) => p.sustainedRate), color: PALETTE[2] }],
    });
  }
  const cost = report.costModel;
  if (cost) {
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
    panels.push({
      kind: 'bar',
      title: 'Lambda arm64 compute per million events',
      unit: 'USD',
      bars,
      reference: { value: 0.01, label: 'target $0.01' },
    });
  }
  const load = report.loadAverages.map((l) => l.loadAverage);
  const subtitle = `${report.mode} run ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC; ${report.machine.cores} cores; load average ${Math.min(...load, report.machine.loadAverage[0])}-${Math.max(...load, report.machine.loadAverage[0])} (other work was running; ratios are to ceilings measured in the same run)`;
  return renderChart('Tributary: throughput, freshness and cost', subtitle, panels);
}
