/**
 * The pipeline run: the local twin (embedded Kafka, one mapping emulator per stage calling the real
 * handlers, a fresh store) fed by the storefront generator in a child process. Finds the highest
 * rate it holds, then measures ingest-to-queryable latency at half that rate.
 */
import { performance } from 'node:perf_hooks';
import { type LocalTwin, startTwin } from '../../local/twin/local-twin.js';
import { definePipeline, type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import { type BenchStore, freshBenchStore } from '../harness/bench-stores.js';
import { type GeneratorProcess, startGeneratorProcess } from '../harness/generator-process.js';
import { type LoadSystem, probeRate } from '../harness/load-probe.js';
import { peakRssMb } from '../harness/machine-info.js';
import { searchSustainedRate } from '../harness/rate-search.js';
import type { PipelineTask, ProfileTask } from '../harness/worker-task.js';
import type { LatencyResult, PipelineRunResult, ProbeResult, StageTimings } from '../model/bench-results.js';
import { InvocationLog } from './handler-timing.js';
import { backlogCapFor, describeProbe } from './relay-bench.js';

const DRAIN_TIMEOUT_MS = 120_000;

interface RunningTwin {
  readonly twin: LocalTwin;
  readonly store: BenchStore;
  readonly system: LoadSystem;
  readonly load: GeneratorProcess;
  readonly log: InvocationLog;
  close(): Promise<void>;
}

/** Starts the twin on a fresh store with the given shape, and the load system around it. */
export async function startBenchTwin(
  task: Pick<PipelineTask, 'store' | 'seed'> & { pipeline: PipelineDefinition },
  say: (line: string) => void,
): Promise<RunningTwin> {
  const store = await freshBenchStore(task.store);
  const log = new InvocationLog();
  const started = performance.now();
  let twin: LocalTwin;
  try {
    twin = await startTwin({
      pipeline: task.pipeline,
      store: store.location,
      onInvocation: (stage, info) => {
        if (info.outcome === 'success') log.add(stage, info);
      },
      onWarning: (message) => say(`warning: ${message}`),
    });
  } catch (error) {
    await store.dispose();
    throw error;
  }
  say(`twin started in ${Math.round(performance.now() - started)} ms: ${twin.cluster.describe()}; ${store.description}`);
  let load: GeneratorProcess;
  try {
    load = await startGeneratorProcess({
      connection: twin.cluster.connection,
      topic: task.pipeline.topics.raw.name,
      seed: task.seed,
      runId: `bench${task.seed.toString(36)}${Date.now().toString(36)}`,
    });
  } catch (error) {
    await twin.stop();
    await store.dispose();
    throw error;
  }
  const { stages } = twin.stats;
  const system: LoadSystem = {
    backlog: async () => Object.values(await twin.lag()),
    delivered: () => stages.sink.records + stages.ingest.dlq + stages.enrich.dlq,
    drain: (timeoutMs) => twin.drain(timeoutMs),
    backlogCapPerStage: backlogCapFor(task.pipeline.topics.raw.partitions),
  };
  return {
    twin,
    store,
    system,
    load,
    log,
    async close() {
      try {
        await load.close();
        await twin.stop();
      } finally {
        await store.dispose();
      }
    },
  };
}

async function drainOrThrow(running: RunningTwin, after: string): Promise<void> {
  if (!(await running.system.drain(DRAIN_TIMEOUT_MS)))
    throw new Error(`the pipeline did not drain within ${DRAIN_TIMEOUT_MS / 1000} s after ${after}`);
}

/** Ingest-to-queryable latency of the events that entered raw in [from, to), read from the store. */
async function storedLatency(
  twin: LocalTwin,
  from: Date,
  to: Date,
): Promise<Pick<LatencyResult, 'count' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs'>> {
  const [row] = await twin.store.query<{ count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null }>(
    `SELECT count(*)::int AS count,
            percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_disc(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            max(ms) AS max
     FROM (SELECT (extract(epoch FROM ingested_at - received_at) * 1000)::float8 AS ms
           FROM events WHERE received_at >= $1 AND received_at < $2) AS l`,
    [from.toISOString(), to.toISOString()],
  );
  const ms = (v: number | null | undefined) => Math.round(Number(v ?? 0));
  return { count: Number(row?.count ?? 0), p50Ms: ms(row?.p50), p95Ms: ms(row?.p95), p99Ms: ms(row?.p99), maxMs: ms(row?.max) };
}

function stageCounts(twin: LocalTwin): Record<StageName, number> {
  return Object.fromEntries(STAGE_NAMES.map((s) => [s, twin.stats.stages[s].records])) as Record<StageName, number>;
}

async function measureLatency(
  running: RunningTwin,
  rate: number,
  settings: NonNullable<PipelineTask['latency']>,
  say: (line: string) => void,
): Promise<LatencyResult> {
  const { twin } = running;
  await drainOrThrow(running, 'the search');
  const before = stageCounts(twin);
  running.log.take();
  const from = new Date(Date.now() + settings.warmupMs);
  const to = new Date(from.getTime() + settings.windowMs);
  const probe = await probeRate(running.system, running.load, rate, { warmupMs: settings.warmupMs, windowMs: settings.windowMs });
  await drainOrThrow(running, 'the latency run');
  const stages = running.log.take();
  const after = stageCounts(twin);
  const seen = (s: StageName) => after[s] - before[s];
  const ingested = Math.max(1, seen('ingest'));
  const latency = await storedLatency(twin, from, to);
  say(
    `latency at ${rate.toLocaleString('en-US')}/s (${probe.held ? 'held' : probe.reason}): p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms, p99 ${latency.p99Ms} ms over ${latency.count.toLocaleString('en-US')} events`,
  );
  return {
    rate,
    windowSeconds: settings.windowMs / 1000,
    ...latency,
    stages,
    stageShares: Object.fromEntries(STAGE_NAMES.map((s) => [s, Math.round((seen(s) / ingested) * 10_000) / 10_000])) as Record<
      StageName,
      number
    >,
  };
}

export async function runPipelineBench(task: PipelineTask, say: (line: string) => void): Promise<PipelineRunResult> {
  const pipeline = definePipeline({ partitions: task.partitions, batchSize: task.batchSize, batchingWindowMs: task.batchingWindowMs });
  const running = await startBenchTwin({ ...task, pipeline }, say);
  try {
    const { system, load, log } = running;
    // Warm the JIT and the store's caches at a modest rate, then start from an empty pipeline.
    await probeRate(system, load, Math.round(task.search.startRate / 2), {
      warmupMs: 0,
      windowMs: Math.min(4000, task.probe.windowMs),
    });
    await drainOrThrow(running, 'the warm-up');

    const timings = new Map<number, StageTimings>();
    let heldRssMax = 0;
    const search = await searchSustainedRate(async (rate) => {
      log.take();
      const result: ProbeResult = await probeRate(system, load, rate, task.probe);
      timings.set(rate, log.take());
      if (result.held) heldRssMax = Math.max(heldRssMax, result.rssMaxMb);
      say(describeProbe(result));
      if (!result.held) await drainOrThrow(running, `${rate}/s`);
      return result;
    }, task.search);
    const peakRss = peakRssMb();
    const latency =
      task.latency && search.sustainedRate > 0
        ? await measureLatency(running, Math.round(search.sustainedRate / 2), task.latency, say)
        : undefined;
    await drainOrThrow(running, 'the run');
    const { stages } = running.twin.stats;
    return {
      kind: 'pipeline',
      store: task.store,
      storeDescription: running.store.description,
      partitions: task.partitions,
      batchSize: task.batchSize,
      batchingWindowMs: task.batchingWindowMs,
      search,
      ...(search.sustainedRate > 0 ? { maxLoadStages: timings.get(search.sustainedRate) } : {}),
      peakRssMb: peakRss,
      heldRssMaxMb: heldRssMax,
      ...(latency ? { latency } : {}),
      accounting: {
        produced: running.load.acknowledged,
        ingested: stages.ingest.records,
        stored: stages.sink.passed,
        dlq: running.twin.stats.dlqTotal,
      },
    };
  } finally {
    await running.close();
  }
}

/** Runs the pipeline at one rate with the V8 CPU profiler on for the measured window only. */
export async function runProfiledPipeline(
  task: ProfileTask,
  profile: (run: () => Promise<unknown>) => Promise<void>,
  say: (line: string) => void,
): Promise<void> {
  const running = await startBenchTwin({ ...task, pipeline: definePipeline() }, say);
  try {
    await probeRate(running.system, running.load, Math.round(task.rate / 2), { warmupMs: 0, windowMs: task.warmupMs });
    await drainOrThrow(running, 'the warm-up');
    await profile(async () => {
      const result = await probeRate(running.system, running.load, task.rate, { warmupMs: 0, windowMs: task.seconds * 1000 });
      say(`profiled ${describeProbe(result)}`);
    });
  } finally {
    await running.close();
  }
}
