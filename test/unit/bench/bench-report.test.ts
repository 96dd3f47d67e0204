import { describe, expect, it } from 'vitest';
import type {
  HandlerRunResult,
  IsolatedStage,
  PipelineRunResult,
  RelayRunResult,
  SearchResult,
  StoreCeilingResult,
} from '../../../bench/model/bench-results.js';
import { type BenchReport, evaluateTargets, relayCeiling, TARGETS } from '../../../bench/report/bench-report.js';
import { reportChart } from '../../../bench/report/report-chart.js';
import { formatReport } from '../../../bench/report/report-format.js';

const search = (rate: number): SearchResult => ({
  sustainedRate: rate,
  probes: [
    {
      rate,
      held: true,
      reason: 'held',
      achievedRate: rate,
      deliveredRate: rate,
      backlogSlope: 0,
      backlogEnd: 10,
      rssMaxMb: 200,
      cpuCores: 1.5,
      eventsPerCpuSecond: Math.round(rate / 1.5),
      loadAverage: 2,
    },
  ],
});
const relay = (rate: number): RelayRunResult => ({ kind: 'relay', partitions: 6, hops: 3, search: search(rate), peakRssMb: 300 });
const stage = { invocations: 10, records: 1000, meanRecordsPerInvocation: 100, microsPerRecord: 50 };
const pipeline: PipelineRunResult = {
  kind: 'pipeline',
  store: 'postgres',
  storeDescription: 'PostgreSQL 15',
  partitions: 6,
  batchSize: 500,
  batchingWindowMs: 100,
  search: search(2500),
  peakRssMb: 420,
  heldRssMaxMb: 380,
  latency: {
    rate: 1250,
    windowSeconds: 15,
    count: 18_000,
    p50Ms: 300,
    p95Ms: 600,
    p99Ms: 1200,
    maxMs: 1500,
    stages: { ingest: stage, enrich: stage, sink: stage },
    stageShares: { ingest: 1, enrich: 0.99, sink: 0.98 },
  },
  accounting: { produced: 1, ingested: 1, stored: 1, dlq: 0 },
};
const store: StoreCeilingResult = {
  kind: 'store',
  store: 'postgres',
  storeDescription: 'PostgreSQL 15',
  rows: 30_000,
  rounds: 3,
  batchSize: 500,
  methods: [{ method: 'copy', batchSize: 500, rowsPerSecond: 20_000 }],
  ceilingRowsPerSecond: 20_000,
  ceilingMethod: 'copy',
  bestRowsPerSecond: 20_000,
  sinkRowsPerSecond: 11_000,
  sinkBySize: [{ batchSize: 500, rowsPerSecond: 11_000 }],
  samples: [],
  recordBytes: { raw: 360, clean: 420, enriched: 600 },
};

/** Each handler alone at the configured batch of 500: main-thread µs per record. */
const alone = (cpuMicros: number): IsolatedStage => ({
  points: [{ records: 500, invocations: 10, wallMs: cpuMicros, activeMs: cpuMicros / 2 }],
  fit: { fixedWallMs: 0, wallMicrosPerRecord: 2 * cpuMicros, fixedActiveMs: 0, activeMicrosPerRecord: cpuMicros },
});
// 40 + 40 x 0.99 + 20 x 0.98 = 99.2 µs of handlers per event beside the relay's 250 (4,000 events/s): 2,864 events/s.
const handlers: HandlerRunResult = {
  kind: 'handlers',
  store: 'postgres',
  storeDescription: 'PostgreSQL 15',
  stages: { ingest: alone(40), enrich: alone(40), sink: alone(20) },
};

describe('evaluateTargets', () => {
  it('judges each target on the given store and says how the value was obtained', () => {
    const targets = evaluateTargets(
      { relay: relay(4000), stores: { postgres: store }, pipelines: { postgres: pipeline }, handlers: { postgres: handlers } },
      'postgres',
    );
    expect(targets.map((t) => [t.value, t.pass])).toEqual([
      [0.873, true],
      [0.55, true],
      [1200, false],
      [420, true],
      [null, false],
    ]);
    expect(targets[2]?.detail).toContain('1250 events/s');
    expect(targets[1]?.detail).not.toContain('staging table');
  });

  it('sets the sink beside its own work done by COPY when that was measured', () => {
    const measured = { ...store, sameWorkRowsPerSecond: 12_500 };
    const [, sink] = evaluateTargets({ relay: relay(4000), stores: { postgres: measured }, pipelines: { postgres: pipeline } }, 'postgres');
    expect(sink?.value).toBe(0.55);
    expect(sink?.detail).toContain('by COPY into a staging table: 12500 rows/s, the sink 0.88x of it');
  });

  it('compares with the mean of the relay runs before and after the pipeline when both exist', () => {
    expect(relayCeiling({ relay: relay(4000), relayRepeat: relay(3000) })).toBe(3500);
    expect(relayCeiling({})).toBeUndefined();
    const [first] = evaluateTargets(
      { relay: relay(4000), relayRepeat: relay(3000), stores: {}, pipelines: { postgres: pipeline }, handlers: { postgres: handlers } },
      'postgres',
    );
    // 1e6 / (1e6 / 3500 + 99.2) = 2,598 events/s.
    expect(first?.value).toBe(0.962);
    expect(first?.detail).toContain('3000 after');
  });

  it('judges the pipeline against the composite ceiling (relay + handler cost) and says so plainly', () => {
    const [first] = evaluateTargets(
      { relay: relay(4000), stores: {}, pipelines: { postgres: pipeline }, handlers: { postgres: handlers } },
      'postgres',
    );
    expect(first?.name).toBe('pipeline throughput / composite ceiling (relay + handler cost)');
    expect(first?.threshold).toBe(TARGETS.pipelineToComposite);
    expect(first?.detail).toBe(
      'composite ceiling (relay + handler cost) = 2,864 events/s = 0.72x relay (4,000 events/s); per event 250 µs relay + 99.2 µs handlers (ingest 40, enrich 39.6, sink 19.6; each handler alone, main-thread time less its producing, which the relay pays); pipeline reached 2,500 events/s = 87% of the ceiling',
    );
  });

  it('fails a pipeline well under the composite ceiling', () => {
    const slow = { ...pipeline, search: search(1000) };
    const [first] = evaluateTargets(
      { relay: relay(4000), stores: {}, pipelines: { postgres: slow }, handlers: { postgres: handlers } },
      'postgres',
    );
    expect(first?.value).toBe(0.349);
    expect(first?.pass).toBe(false);
    expect(first?.detail).toContain('pipeline reached 1,000 events/s = 35% of the ceiling');
  });

  it('leaves the throughput target unmeasured without the handlers alone, and says why', () => {
    const [first] = evaluateTargets({ relay: relay(4000), stores: {}, pipelines: { postgres: pipeline } }, 'postgres');
    expect(first?.value).toBeNull();
    expect(first?.pass).toBe(false);
    expect(first?.detail).toBe(
      'composite ceiling (relay + handler cost) not computed: it needs the relay and the handlers alone on this store; pipeline 2,500 events/s, relay 4,000 events/s',
    );
  });
});

describe('formatReport and reportChart', () => {
  const report: BenchReport = {
    version: 1,
    mode: 'quick',
    startedAt: '2026-11-25T12:00:00.000Z',
    finishedAt: '2026-11-25T12:01:30.000Z',
    durationSeconds: 90,
    machine: { cpuModel: 'cpu', cores: 2, memoryGb: 8, node: 'v20', platform: 'linux x64', loadAverage: [2, 2, 2] },
    loadAverages: [{ phase: 'relay', loadAverage: 2.5 }],
    settings: {},
    relay: relay(4000),
    stores: { postgres: store },
    pipelines: { postgres: pipeline },
    handlers: { postgres: handlers },
    targetStore: 'postgres',
    targets: [],
    errors: ['scaling: something failed'],
  };
  report.targets = evaluateTargets(report, 'postgres');

  it('prints the ceilings, the pipeline against them, PASS/FAIL per target and the errors', () => {
    const text = formatReport(report);
    expect(text).toContain('Kafka relay, 3 hops, 6 partitions');
    expect(text).toContain('2,500 (0.63x)');
    expect(text).toContain('PASS  pipeline throughput / composite ceiling (relay + handler cost): 0.873x (target >= 0.8x)');
    expect(text).toContain(
      "Composite on PostgreSQL: relay + the handlers' own cost (each alone, producing left out), 250 + 99.2 µs per event   2,864 events/s, 0.72x relay",
    );
    expect(text).toContain('FAIL  ingest-to-queryable p99');
    expect(text).toContain('ERROR scaling: something failed');
  });

  it("prints and draws the sink's own work done by COPY when that was measured", () => {
    const measured = { ...report, stores: { postgres: { ...store, sameWorkRowsPerSecond: 12_500 } } };
    expect(formatReport(measured)).toMatch(
      /the sink's work \(events \+ rollups\) by COPY into a staging table.*12,500 rows\/s; the sink: 0\.88x of it/,
    );
    expect(formatReport(report)).not.toContain('staging table');
    expect(reportChart(measured)).toContain('by COPY');
  });

  it('draws the chart without gaps in the data', () => {
    const svg = reportChart(report);
    expect(svg).toContain('Sustained throughput');
    expect(svg).toContain('target p99 1 s');
    expect(svg).toContain('composite ceiling');
    expect(svg).toContain('target 0.8x composite');
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
