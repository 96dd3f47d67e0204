/** The results JSON of one `npm run bench`, and the targets it is judged by. */
import { pipeline as defaultPipeline, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { CostModel } from '../cost/cost-model.js';
import type { StageCostBench } from '../cost/stage-cost-run.js';
import type { MachineInfo } from '../harness/machine-info.js';
import type { HandlerRunResult, PipelineRunResult, RelayRunResult, StoreCeilingResult, StoreKind } from '../model/bench-results.js';
import { type CompositeCeiling, compositeCeiling } from './composite-ceiling.js';
import type { ProfileSummary } from './cpu-profile-summary.js';

export interface ScalingPoint {
  partitions: number;
  batchSize: number;
  sustainedRate: number;
  /** sustainedRate / the relay ceiling of the run (measured at the default partitions). */
  ratioToRelay: number;
  peakRssMb: number;
  /** Handler µs per record at that load, per stage. */
  microsPerRecord?: Record<StageName, number>;
}

export interface TargetResult {
  name: string;
  /** What was measured, in `unit`. */
  value: number | null;
  threshold: number;
  comparison: '>=' | '<=';
  unit: string;
  pass: boolean;
  /** How the value was obtained. */
  detail: string;
}

export interface BenchReport {
  version: 1;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  /** One-minute load average when each phase ended. */
  loadAverages: { phase: string; loadAverage: number }[];
  settings: Record<string, unknown>;
  relay?: RelayRunResult;
  /** The relay measured again after the pipeline runs (full mode): how far the ceiling drifted. */
  relayRepeat?: RelayRunResult;
  stores: Partial<Record<StoreKind, StoreCeilingResult>>;
  pipelines: Partial<Record<StoreKind, PipelineRunResult>>;
  /** Each handler invoked alone, per store (the basis of the cost model). */
  handlers: Partial<Record<StoreKind, HandlerRunResult>>;
  scaling?: { store: StoreKind; partitions: ScalingPoint[]; batchSizes: ScalingPoint[] };
  stageCost?: StageCostBench;
  costModel?: CostModel;
  /** Store the targets were evaluated on (PostgreSQL unless only PGlite ran). */
  targetStore?: StoreKind;
  targets: TargetResult[];
  profile?: { store: StoreKind; rate: number; seconds: number; path: string; summary: ProfileSummary };
  /** Phases that failed, with their one-line error. */
  errors: string[];
}

export const TARGETS = {
  /**
   * Share of the composite ceiling (relay + handler cost) the pipeline must reach: what the
   * emulator adds on top of the relay and the handlers may take at most a fifth of it. Not 1: the
   * relay ceiling itself drifts by up to 14% around its mean within one run.
   */
  pipelineToComposite: 0.8,
  sinkToStore: 0.5,
  p99Ms: 1000,
  peakRssMb: 500,
  lambdaComputeUsdPerMillion: 0.01,
} as const;

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 1000) / 1000 : null;

function target(
  name: string,
  value: number | null,
  comparison: '>=' | '<=',
  threshold: number,
  unit: string,
  detail: string,
): TargetResult {
  const pass = value !== null && (comparison === '>=' ? value >= threshold : value <= threshold);
  return { name, value, threshold, comparison, unit, pass, detail };
}

/** The relay ceiling the pipeline is compared with: the mean of the runs before and after it when both exist. */
export function relayCeiling(report: Pick<BenchReport, 'relay' | 'relayRepeat'>): number | undefined {
  const rates = [report.relay, report.relayRepeat].filter((r) => r !== undefined).map((r) => r.search.sustainedRate);
  return rates.length === 0 ? undefined : Math.round(rates.reduce((a, b) => a + b, 0) / rates.length);
}

/** Records each stage sees per raw record when no latency run measured them: the generator's defaults (1% invalid records). */
export const DEFAULT_STAGE_SHARES: Record<StageName, number> = { ingest: 1, enrich: 0.99, sink: 0.985 };

type JudgedReport = Pick<BenchReport, 'relay' | 'relayRepeat' | 'stores' | 'pipelines' | 'costModel'> &
  Partial<Pick<BenchReport, 'handlers'>>;

/** The composite ceiling (relay + handler cost) on a store, when the relay and that store's handlers were measured. */
export function compositeCeilingOf(report: JudgedReport, store: StoreKind): CompositeCeiling | undefined {
  const relayRate = relayCeiling(report);
  const isolated = report.handlers?.[store];
  if (relayRate === undefined || !isolated) return undefined;
  return compositeCeiling({
    relayRate,
    isolated: isolated.stages,
    pipeline: defaultPipeline,
    stageShares: report.pipelines[store]?.latency?.stageShares ?? DEFAULT_STAGE_SHARES,
  });
}

const thousands = (v: number) => v.toLocaleString('en-US');

/** How the pipeline compares with the composite ceiling, in words. */
function compositeVerdict(
  pipelineRate: number | undefined,
  composite: CompositeCeiling | undefined,
  relayRate: number | undefined,
): string {
  const relay = relayRate === undefined ? '?' : thousands(relayRate);
  if (!composite)
    return `composite ceiling (relay + handler cost) not computed: it needs the relay and the handlers alone on this store; pipeline ${pipelineRate === undefined ? '?' : thousands(pipelineRate)} events/s, relay ${relay} events/s`;
  const stages = STAGE_NAMES.map((s) => `${s} ${composite.stageMicrosPerEvent[s]}`).join(', ');
  const reached =
    pipelineRate === undefined
      ? 'pipeline not measured'
      : `pipeline reached ${thousands(pipelineRate)} events/s = ${Math.round((pipelineRate / composite.eventsPerSecond) * 100)}% of the ceiling`;
  return `composite ceiling (relay + handler cost) = ${thousands(composite.eventsPerSecond)} events/s = ${composite.ratioToRelay.toFixed(2)}x relay (${relay} events/s); per event ${composite.relayMicrosPerEvent} µs relay + ${composite.handlersMicrosPerEvent} µs handlers (${stages}; each handler alone, main-thread time less its producing, which the relay pays); ${reached}`;
}

/** Judges the run against the targets, on the given store. */
export function evaluateTargets(report: JudgedReport, store: StoreKind): TargetResult[] {
  const pipeline = report.pipelines[store];
  const ceiling = report.stores[store];
  const relayRate = relayCeiling(report);
  const pipelineRate = pipeline?.search.sustainedRate;
  const composite = compositeCeilingOf(report, store);
  const drift = report.relayRepeat
    ? ` (relay ${report.relay?.search.sustainedRate ?? '?'} before, ${report.relayRepeat.search.sustainedRate} after the pipeline runs)`
    : '';
  return [
    target(
      'pipeline throughput / composite ceiling (relay + handler cost)',
      ratio(pipelineRate, composite?.eventsPerSecond),
      '>=',
      TARGETS.pipelineToComposite,
      'x',
      `${compositeVerdict(pipelineRate, composite, relayRate)}${drift}`,
    ),
    target(
      'sink throughput / store ceiling',
      ratio(ceiling?.sinkRowsPerSecond, ceiling?.ceilingRowsPerSecond),
      '>=',
      TARGETS.sinkToStore,
      'x',
      `${ceiling?.sinkRowsPerSecond ?? '?'} / ${ceiling?.ceilingRowsPerSecond ?? '?'} rows/s (${ceiling?.ceilingMethod ?? '?'}, batches of ${ceiling?.batchSize ?? '?'})${ceiling?.sameWorkRowsPerSecond ? `; the sink's own work by COPY into a staging table: ${ceiling.sameWorkRowsPerSecond} rows/s, the sink ${ratio(ceiling.sinkRowsPerSecond, ceiling.sameWorkRowsPerSecond)?.toFixed(2) ?? '?'}x of it` : ''}`,
    ),
    target(
      'ingest-to-queryable p99 at half the sustained load',
      pipeline?.latency?.p99Ms ?? null,
      '<=',
      TARGETS.p99Ms,
      'ms',
      pipeline?.latency
        ? `${pipeline.latency.rate} events/s, ${pipeline.batchingWindowMs} ms window, ${pipeline.latency.count} events`
        : 'not measured',
    ),
    target(
      'peak RSS of the twin at max load',
      pipeline?.peakRssMb ?? null,
      '<=',
      TARGETS.peakRssMb,
      'MB',
      pipeline
        ? `VmHWM over the whole search, overloaded probes included (held probes peaked at ${pipeline.heldRssMaxMb} MB)`
        : 'not measured',
    ),
    target(
      'Lambda compute per million events, three stages',
      report.costModel?.lambdaPerMillion.computeUsd ?? null,
      '<=',
      TARGETS.lambdaComputeUsdPerMillion,
      'USD',
      report.costModel
        ? `arm64 GB-s at the configured memory and batch size (handlers alone, CPU part scaled to the CPU share); requests add $${report.costModel.lambdaPerMillion.requestsUsd}; upper bound from the emulator under load $${report.costModel.lambdaPerMillion.computeUsdUpperBound ?? '?'}`
        : 'not computed',
    ),
  ];
}
