/**
 * `npm run bench`: throughput, freshness, memory and cost of the pipeline, each measured against a
 * ceiling taken in the same run on the same broker and store. Every measurement runs in a worker
 * process of its own; this process orders them, prints a table and writes the results JSON and an
 * SVG chart under bench/results/.
 *
 *   npm run bench -- [--quick] [--json <file>] [--store postgres|pglite|both] [--profile] [--no-scaling]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { definePipeline, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import { buildCostModel } from '../cost/cost-model.js';
import { runStageCost } from '../cost/stage-cost-run.js';
import {
  type BenchOptions,
  BenchOptionsError,
  FULL,
  type ModeSettings,
  parseBenchOptions,
  QUICK,
  USAGE,
} from '../harness/bench-options.js';
import { machineInfo } from '../harness/machine-info.js';
import { runWorker } from '../harness/worker-client.js';
import type { PipelineTask, WorkerTask } from '../harness/worker-task.js';
import type {
  HandlerRunResult,
  PipelineRunResult,
  ProfileRunResult,
  RelayRunResult,
  StoreCeilingResult,
  StoreKind,
} from '../model/bench-results.js';
import { type BenchReport, DEFAULT_STAGE_SHARES, evaluateTargets, relayCeiling, type ScalingPoint } from '../report/bench-report.js';
import { type CpuProfile, summariseProfile } from '../report/cpu-profile-summary.js';
import { reportChart } from '../report/report-chart.js';
import { formatReport } from '../report/report-format.js';

const WORKER_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_SHAPE = definePipeline();

class BenchRun {
  private readonly started = performance.now();
  readonly report: BenchReport;
  private phase = 0;

  constructor(
    readonly options: BenchOptions,
    readonly settings: ModeSettings,
    private readonly phases: number,
  ) {
    this.report = {
      version: 1,
      mode: options.quick ? 'quick' : 'full',
      startedAt: new Date().toISOString(),
      finishedAt: '',
      durationSeconds: 0,
      machine: machineInfo(),
      loadAverages: [],
      settings: { ...settings, stores: options.stores, seed: options.seed, scaling: options.scaling },
      stores: {},
      pipelines: {},
      handlers: {},
      targets: [],
      errors: [],
    };
  }

  log(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** Runs one phase, recording its load average; a failure is recorded and the run goes on. */
  async step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
    this.phase++;
    const elapsed = Math.round((performance.now() - this.started) / 1000);
    this.log(`== [${this.phase}/${this.phases}] ${name} (at ${elapsed} s, load average ${loadavg()[0]?.toFixed(2)})`);
    try {
      return await run();
    } catch (error) {
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      this.report.errors.push(message);
      this.log(`   failed: ${message}`);
      return undefined;
    } finally {
      this.report.loadAverages.push({ phase: name, loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100 });
    }
  }

  worker<R extends RelayRunResult | PipelineRunResult | StoreCeilingResult | ProfileRunResult | HandlerRunResult>(
    task: WorkerTask,
  ): Promise<R> {
    return runWorker<R>(task, { databaseUrl: this.options.databaseUrl, timeoutMs: WORKER_TIMEOUT_MS });
  }

  finish(): void {
    this.report.finishedAt = new Date().toISOString();
    this.report.durationSeconds = Math.round((performance.now() - this.started) / 1000);
  }
}

function pipelineTask(
  run: BenchRun,
  store: StoreKind,
  shape: { partitions: number; batchSize: number },
  startRate: number,
  refinements: number,
  latency: boolean,
): PipelineTask {
  const { settings, options } = run;
  return {
    kind: 'pipeline',
    label: `pipeline ${store} p=${shape.partitions} b=${shape.batchSize}`,
    seed: options.seed,
    store,
    partitions: shape.partitions,
    batchSize: shape.batchSize,
    batchingWindowMs: DEFAULT_SHAPE.stages.ingest.batchingWindowMs,
    search: { startRate, growth: settings.growth, refinements, minRate: 100, maxRate: 200_000, confirmFailures: settings.confirmFailures },
    probe: settings.probe,
    ...(latency ? { latency: settings.latency } : {}),
  };
}

function scalingPoint(result: PipelineRunResult, relayRate: number): ScalingPoint {
  const stages = result.maxLoadStages;
  return {
    partitions: result.partitions,
    batchSize: result.batchSize,
    sustainedRate: result.search.sustainedRate,
    ratioToRelay: relayRate > 0 ? Math.round((result.search.sustainedRate / relayRate) * 1000) / 1000 : 0,
    peakRssMb: result.peakRssMb,
    ...(stages
      ? { microsPerRecord: Object.fromEntries(STAGE_NAMES.map((s) => [s, stages[s].microsPerRecord])) as Record<StageName, number> }
      : {}),
  };
}

async function runScaling(run: BenchRun, store: StoreKind, main: PipelineRunResult | undefined, relayRate: number): Promise<void> {
  const { settings } = run;
  const mainRate = main?.search.sustainedRate ?? 0;
  const start = Math.max(200, Math.round((mainRate || relayRate / 2) * 0.7));
  const measure = async (shape: { partitions: number; batchSize: number }): Promise<ScalingPoint | undefined> => {
    if (main && shape.partitions === main.partitions && shape.batchSize === main.batchSize) return scalingPoint(main, relayRate);
    const result = await run.step(`scaling: ${store}, ${shape.partitions} partitions, batch size ${shape.batchSize}`, () =>
      run.worker<PipelineRunResult>(pipelineTask(run, store, shape, start, settings.scalingRefinements, false)),
    );
    return result && scalingPoint(result, relayRate);
  };
  const partitions: ScalingPoint[] = [];
  for (const p of settings.scalingPartitions) {
    const point = await measure({ partitions: p, batchSize: DEFAULT_SHAPE.stages.ingest.batchSize });
    if (point) partitions.push(point);
  }
  const batchSizes: ScalingPoint[] = [];
  for (const b of settings.scalingBatchSizes) {
    const point = await measure({ partitions: DEFAULT_SHAPE.topics.raw.partitions, batchSize: b });
    if (point) batchSizes.push(point);
  }
  run.report.scaling = { store, partitions, batchSizes };
}

function countPhases(options: BenchOptions, settings: ModeSettings): number {
  const stores = options.stores.length;
  const scaling = options.scaling ? settings.scalingPartitions.length + settings.scalingBatchSizes.length - 2 : 0;
  return 1 + 3 * stores + (settings.repeatRelay ? 1 : 0) + scaling + (settings.stageCost ? 1 : 0) + 1;
}

type Shape = { partitions: number; batchSize: number };

function relayTask(run: BenchRun, shape: Shape, startRate: number, label: string): WorkerTask {
  const { settings, options } = run;
  return {
    kind: 'relay',
    label,
    seed: options.seed,
    partitions: shape.partitions,
    batchingWindowMs: DEFAULT_SHAPE.stages.ingest.batchingWindowMs,
    search: {
      startRate,
      growth: settings.growth,
      refinements: settings.refinements,
      minRate: 100,
      maxRate: 500_000,
      confirmFailures: settings.confirmFailures,
    },
    probe: settings.probe,
  };
}

/** 1. Ceilings first: Kafka, then each store. */
async function measureCeilings(run: BenchRun, shape: Shape): Promise<void> {
  const { settings, options, report } = run;
  const relay = await run.step(`Kafka ceiling: no-processing relay, ${STAGE_NAMES.length} hops, ${shape.partitions} partitions`, () =>
    run.worker<RelayRunResult>(relayTask(run, shape, settings.relayStartRate, `relay p=${shape.partitions}`)),
  );
  if (relay) report.relay = relay;
  for (const store of options.stores) {
    const ceiling = await run.step(`store ceiling and sink: ${store}, ${settings.storeRows.toLocaleString('en-US')} rows`, () =>
      run.worker<StoreCeilingResult>({
        kind: 'store',
        label: `store ${store}`,
        seed: options.seed,
        store,
        rows: settings.storeRows,
        extraBatchSizes: settings.extraInsertBatchSizes,
        rounds: settings.storeRounds,
      }),
    );
    if (ceiling) report.stores[store] = ceiling;
  }
}

/** 2. The pipeline at the default shape on each store, with latency at half load; then the relay again. */
async function measurePipelines(run: BenchRun, shape: Shape): Promise<void> {
  const { settings, options, report } = run;
  const firstRelayRate = report.relay?.search.sustainedRate ?? 0;
  const pipelineStart = Math.max(200, Math.round((firstRelayRate || settings.relayStartRate) * settings.pipelineStartShare));
  for (const store of options.stores) {
    const result = await run.step(`pipeline: ${store}, sustained rate then latency at half of it`, () =>
      run.worker<PipelineRunResult>(pipelineTask(run, store, shape, pipelineStart, settings.refinements, true)),
    );
    if (result) report.pipelines[store] = result;
  }
  // The Kafka ceiling again, so the pipeline runs are bracketed: how much did the machine drift?
  if (settings.repeatRelay && report.relay) {
    const repeat = await run.step('Kafka ceiling again, after the pipeline runs (drift check)', () =>
      run.worker<RelayRunResult>(relayTask(run, shape, Math.round(firstRelayRate * 0.8), `relay again p=${shape.partitions}`)),
    );
    if (repeat) report.relayRepeat = repeat;
  }
}

/** 4. Each handler alone, as Lambda runs it (the basis of the cost model), and the handler cores without I/O. */
async function measureHandlers(run: BenchRun): Promise<void> {
  const { settings, options, report } = run;
  if (settings.stageCost) {
    const stageCost = await run.step('handler cores without I/O: bench/cost/stage-cost.ts', () =>
      runStageCost(20_000, options.databaseUrl),
    );
    if (stageCost) report.stageCost = stageCost;
  }
  for (const store of options.stores) {
    const handlers = await run.step(`handlers alone (the Lambda view): ${store}, batches of ${settings.handlerBatchSizes.join(', ')}`, () =>
      run.worker<HandlerRunResult>({
        kind: 'handlers',
        label: `handlers ${store}`,
        seed: options.seed,
        store,
        batchSizes: settings.handlerBatchSizes,
        invocationsPerSize: settings.handlerInvocations,
      }),
    );
    if (handlers) report.handlers[store] = handlers;
  }
}

/** The store the targets are judged on: PostgreSQL unless only PGlite ran. */
function targetStoreOf(report: BenchReport, stores: readonly StoreKind[]): StoreKind {
  return report.pipelines.postgres ? 'postgres' : (stores.find((s) => report.pipelines[s]) ?? stores[0] ?? 'postgres');
}

function addCostModel(report: BenchReport, targetStore: StoreKind): void {
  const measured = report.pipelines[targetStore];
  const isolated = report.handlers[targetStore];
  const bytes = report.stores[targetStore]?.recordBytes ?? report.stores.postgres?.recordBytes ?? report.stores.pglite?.recordBytes;
  if (!isolated || !bytes) return;
  const emulator = measured?.latency?.stages ?? measured?.maxLoadStages;
  report.costModel = buildCostModel({
    pipeline: DEFAULT_SHAPE,
    isolated: isolated.stages,
    ...(emulator ? { emulator } : {}),
    stageShares: measured?.latency?.stageShares ?? DEFAULT_STAGE_SHARES,
    recordBytes: bytes,
  });
}

/** 5. A CPU profile of the twin at its sustained rate when a pipeline target was missed (or when asked). */
async function profileIfMissed(run: BenchRun, targetStore: StoreKind): Promise<void> {
  const { settings, options, report } = run;
  const measured = report.pipelines[targetStore];
  const missed = report.targets.slice(0, 4).some((t) => !t.pass);
  const sustained = measured?.search.sustainedRate ?? 0;
  // Profiled at the lowest rate it did not hold, so the profile shows the pipeline saturated.
  const profileRate = measured?.search.lowestFailedRate ?? Math.round(sustained * 1.2);
  if (!(options.profile || (missed && !options.quick)) || sustained <= 0) return;
  const path = join(options.outDir, 'profiles', `twin-${targetStore}-${report.startedAt.replace(/[:.]/g, '-')}.cpuprofile`);
  const profiled = await run.step(`CPU profile: ${targetStore} twin at ${profileRate} events/s (saturated)`, () =>
    run.worker<ProfileRunResult>({
      kind: 'profile',
      label: `profile ${targetStore}`,
      seed: options.seed,
      store: targetStore,
      rate: profileRate,
      warmupMs: 4000,
      seconds: settings.profileSeconds,
      profilePath: path,
    }),
  );
  if (!profiled) return;
  report.profile = {
    store: targetStore,
    rate: profileRate,
    seconds: profiled.seconds,
    path,
    summary: summariseProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, 25),
  };
}

async function main(options: BenchOptions): Promise<BenchReport> {
  const settings = options.quick ? QUICK : FULL;
  const run = new BenchRun(options, settings, countPhases(options, settings));
  const { report } = run;
  run.log(
    `Tributary benchmark (${report.mode}): stores ${options.stores.join(', ')}; ${report.machine.cores} cores, load average ${report.machine.loadAverage.join(' / ')}`,
  );
  const shape = { partitions: DEFAULT_SHAPE.topics.raw.partitions, batchSize: DEFAULT_SHAPE.stages.ingest.batchSize };
  await measureCeilings(run, shape);
  await measurePipelines(run, shape);
  // 3. Scaling, on the first store.
  const scalingStore = options.stores[0];
  if (options.scaling && scalingStore) await runScaling(run, scalingStore, report.pipelines[scalingStore], relayCeiling(report) ?? 0);
  await measureHandlers(run);
  const targetStore = targetStoreOf(report, options.stores);
  report.targetStore = targetStore;
  addCostModel(report, targetStore);
  report.targets = evaluateTargets(report, targetStore);
  await profileIfMissed(run, targetStore);
  run.finish();
  return report;
}

function writeOutputs(report: BenchReport, options: BenchOptions): string[] {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  mkdirSync(options.outDir, { recursive: true });
  const base = join(options.outDir, report.mode);
  const files = [`${base}.json`, `${base}.svg`, `${base}.txt`];
  writeFileSync(`${base}.json`, json);
  writeFileSync(`${base}.svg`, reportChart(report));
  writeFileSync(`${base}.txt`, `${formatReport(report)}\n`);
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, json);
    files.push(options.jsonPath);
  }
  return files;
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof BenchOptionsError)) throw error;
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
const report = await main(options);
const files = writeOutputs(report, options);
process.stdout.write(`\n${formatReport(report)}\n`);
process.stdout.write(`results: ${files.join(', ')}\n`);
process.exit(report.errors.length > 0 ? 1 : 0);
