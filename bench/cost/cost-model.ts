/**
 * What a million events cost on AWS, from the handler times measured in the local twin: Lambda
 * arm64 GB-seconds and requests per stage at the configured memory and batch size, MSK Serverless
 * data in and out, and the fixed hourly cost of the default MSK Serverless and Aurora Serverless v2
 * configuration.
 */
import { DEFAULT_CONFIG } from '../../src/config/tributary-config.js';
import { type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { IsolatedStage, StageTiming } from '../model/bench-results.js';
import { AWS_PRICES, LAMBDA_MB_PER_VCPU, LAMBDA_MEMORY_SOURCE, PRICES_CHECKED, PRICES_REGION } from './aws-prices.js';

const MILLION = 1_000_000;
const GIB = 1024 ** 3;

export interface StageCost {
  memoryMb: number;
  batchSize: number;
  /** Records the stage handles per million raw events. */
  recordsPerMillion: number;
  invocationsPerMillion: number;
  /** The handler alone on `batchSize` records, measured locally: wall time and the CPU (busy) part of it, ms. */
  localWallMs: number;
  localCpuMs: number;
  /** How much longer CPU work runs at this memory than on one vCPU (1769 MB / memory, at least 1). */
  cpuScale: number;
  /** CPU part x cpuScale + waiting part, rounded up to whole ms as Lambda bills. */
  billedMsPerInvocation: number;
  gbSecondsPerMillion: number;
  computeUsdPerMillion: number;
  requestsUsdPerMillion: number;
  /** The same at the batch size the mapping emulator actually formed at half load. */
  observed: {
    meanRecordsPerInvocation: number;
    invocationsPerMillion: number;
    gbSecondsPerMillion: number;
    computeUsdPerMillion: number;
    requestsUsdPerMillion: number;
  };
  /** Upper bound: the emulator's invocation durations under pipeline load (other stages' work on the same event loop included), all of it scaled. */
  upperBound?: { billedMsPerInvocation: number; gbSecondsPerMillion: number; computeUsdPerMillion: number };
}

export interface CostModel {
  region: string;
  pricesChecked: string;
  prices: typeof AWS_PRICES;
  assumptions: string[];
  stages: Record<StageName, StageCost>;
  /** The three stages together, per million raw events, at the configured batch sizes. */
  lambdaPerMillion: {
    gbSeconds: number;
    computeUsd: number;
    requestsUsd: number;
    totalUsd: number;
    /** Compute if the whole wall time were billed at one vCPU's speed (no CPU-share scaling). */
    computeUsdWithoutCpuScale: number;
    /** Compute from the emulator's durations under load, all scaled (upper bound). */
    computeUsdUpperBound?: number;
  };
  mskDataPerMillion: { writtenGiB: number; readGiB: number; usd: number };
  fixedPerHour: {
    mskClusterUsd: number;
    partitions: number;
    mskPartitionsUsd: number;
    auroraMinAcu: number;
    auroraUsd: number;
    totalUsd: number;
  };
}

export interface CostInputs {
  readonly pipeline: PipelineDefinition;
  /** Each handler invoked alone (the basis of the model). */
  readonly isolated: Record<StageName, IsolatedStage>;
  /** The mapping emulator's timings at half load (batch sizes seen, and the upper bound). */
  readonly emulator?: Record<StageName, StageTiming>;
  /** Records each stage sees per raw record. */
  readonly stageShares: Record<StageName, number>;
  /** Mean value bytes per record on each topic. */
  readonly recordBytes: { raw: number; clean: number; enriched: number };
}

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Duration of one invocation of `records` records in the emulator, ms: from the fit when there is one, else per-record time x records. */
export function invocationMs(timing: StageTiming, records: number): number {
  return timing.fit
    ? timing.fit.fixedMs + (timing.fit.marginalMicrosPerRecord * records) / 1000
    : (timing.microsPerRecord * records) / 1000;
}

/** Wall and CPU ms of one isolated invocation of `records` records: the measured point when there is one, else the fitted line. */
export function isolatedMs(stage: IsolatedStage, records: number): { wallMs: number; cpuMs: number } {
  const point = stage.points.find((p) => p.records === records);
  if (point) return { wallMs: point.wallMs, cpuMs: Math.min(point.activeMs, point.wallMs) };
  const { fit } = stage;
  const wallMs = Math.max(0, fit.fixedWallMs + (fit.wallMicrosPerRecord * records) / 1000);
  const cpuMs = Math.max(0, fit.fixedActiveMs + (fit.activeMicrosPerRecord * records) / 1000);
  return { wallMs, cpuMs: Math.min(cpuMs, wallMs) };
}

/** Lambda's billed ms: the CPU part slowed to the function's CPU share, the waiting part as is, rounded up. */
export function billedMs(wallMs: number, cpuMs: number, cpuScale: number): number {
  return Math.ceil(cpuMs * cpuScale + (wallMs - cpuMs));
}

function lambdaCost(invocations: number, ms: number, memoryMb: number) {
  const gbSeconds = invocations * (ms / 1000) * (memoryMb / 1024);
  return {
    gbSeconds,
    computeUsd: gbSeconds * AWS_PRICES.lambdaArmGbSecond.usd,
    requestsUsd: invocations * AWS_PRICES.lambdaRequest.usd,
  };
}

function stageCost(stage: StageName, inputs: CostInputs): StageCost {
  const { memoryMb, batchSize } = inputs.pipeline.stages[stage];
  const isolated = inputs.isolated[stage];
  const recordsPerMillion = MILLION * inputs.stageShares[stage];
  const cpuScale = Math.max(1, LAMBDA_MB_PER_VCPU / memoryMb);
  const local = isolatedMs(isolated, batchSize);
  const billed = billedMs(local.wallMs, local.cpuMs, cpuScale);
  const invocations = recordsPerMillion / batchSize;
  const configured = lambdaCost(invocations, billed, memoryMb);
  const emulator = inputs.emulator?.[stage];
  const meanBatch = Math.max(1, Math.round(emulator?.meanRecordsPerInvocation ?? batchSize));
  const atMean = isolatedMs(isolated, meanBatch);
  const observedInvocations = recordsPerMillion / meanBatch;
  const observed = lambdaCost(observedInvocations, billedMs(atMean.wallMs, atMean.cpuMs, cpuScale), memoryMb);
  let upperBound: StageCost['upperBound'];
  if (emulator && emulator.invocations > 0) {
    const ms = Math.ceil(invocationMs(emulator, batchSize) * cpuScale);
    const cost = lambdaCost(invocations, ms, memoryMb);
    upperBound = { billedMsPerInvocation: ms, gbSecondsPerMillion: round(cost.gbSeconds, 2), computeUsdPerMillion: round(cost.computeUsd) };
  }
  return {
    memoryMb,
    batchSize,
    recordsPerMillion: Math.round(recordsPerMillion),
    invocationsPerMillion: Math.round(invocations),
    localWallMs: round(local.wallMs, 2),
    localCpuMs: round(local.cpuMs, 2),
    cpuScale: round(cpuScale, 3),
    billedMsPerInvocation: billed,
    gbSecondsPerMillion: round(configured.gbSeconds, 2),
    computeUsdPerMillion: round(configured.computeUsd),
    requestsUsdPerMillion: round(configured.requestsUsd),
    observed: {
      meanRecordsPerInvocation: meanBatch,
      invocationsPerMillion: Math.round(observedInvocations),
      gbSecondsPerMillion: round(observed.gbSeconds, 2),
      computeUsdPerMillion: round(observed.computeUsd),
      requestsUsdPerMillion: round(observed.requestsUsd),
    },
    ...(upperBound ? { upperBound } : {}),
  };
}

/** Builds the cost model from measured handler times, stage shares and record sizes. */
export function buildCostModel(inputs: CostInputs): CostModel {
  const stages = Object.fromEntries(STAGE_NAMES.map((s) => [s, stageCost(s, inputs)])) as Record<StageName, StageCost>;
  let gbSeconds = 0;
  let computeUsd = 0;
  let requestsUsd = 0;
  let unscaledUsd = 0;
  let upperUsd: number | undefined;
  for (const s of STAGE_NAMES) {
    const c = stages[s];
    gbSeconds += c.gbSecondsPerMillion;
    computeUsd += c.computeUsdPerMillion;
    requestsUsd += c.requestsUsdPerMillion;
    unscaledUsd += lambdaCost(c.invocationsPerMillion, Math.ceil(c.localWallMs), c.memoryMb).computeUsd;
    if (c.upperBound) upperUsd = (upperUsd ?? 0) + c.upperBound.computeUsdPerMillion;
  }

  // Every record is written once to its topic and read once by the stage behind it.
  const { recordBytes, stageShares } = inputs;
  const bytesPerMillion =
    MILLION * (recordBytes.raw * stageShares.ingest + recordBytes.clean * stageShares.enrich + recordBytes.enriched * stageShares.sink);
  const gib = bytesPerMillion / GIB;

  const partitions = Object.values(inputs.pipeline.topics).reduce((n, t) => n + t.partitions, 0);
  const auroraMinAcu = DEFAULT_CONFIG.database.minCapacity;
  const fixed = {
    mskClusterUsd: AWS_PRICES.mskServerlessClusterHour.usd,
    partitions,
    mskPartitionsUsd: round(partitions * AWS_PRICES.mskServerlessPartitionHour.usd, 4),
    auroraMinAcu,
    auroraUsd: round(auroraMinAcu * AWS_PRICES.auroraServerlessV2AcuHour.usd, 4),
  };
  return {
    region: PRICES_REGION,
    pricesChecked: PRICES_CHECKED,
    prices: AWS_PRICES,
    assumptions: [
      `Lambda duration = each real handler invoked alone on the configured batch size (medians; MSK events from the emulator's codec, publishing to the embedded Kafka, writing to the store): its CPU part (event loop busy time) x ${LAMBDA_MB_PER_VCPU} MB / memory, since below ${LAMBDA_MB_PER_VCPU} MB a function gets that share of one vCPU (${LAMBDA_MEMORY_SOURCE}), plus its waiting part (broker and database round trips) unscaled; one local core is taken as one Graviton vCPU, and local round trips as in-VPC ones.`,
      'Invocations carry the configured batch size (a busy pipeline); the "observed" figures use the batch sizes the emulator formed at half of the sustained load.',
      "Upper bound: the emulator's invocation durations under pipeline load at that batch size (other stages and the generator share the event loop), all of it scaled by the CPU share.",
      'MSK data counts record values only (keys, headers and protocol overhead add a little); the DLQ is left out.',
      `Fixed cost: the default configuration (kafka.clusterType=${DEFAULT_CONFIG.kafka.clusterType}, database.minCapacity=${auroraMinAcu} ACU) with the pipeline's ${partitions} partitions; storage, VPC endpoints and logs are in docs/aws.md.`,
      'No free tier, first pricing tier, on-demand.',
    ],
    stages,
    lambdaPerMillion: {
      gbSeconds: round(gbSeconds, 2),
      computeUsd: round(computeUsd),
      requestsUsd: round(requestsUsd),
      totalUsd: round(computeUsd + requestsUsd),
      computeUsdWithoutCpuScale: round(unscaledUsd),
      ...(upperUsd !== undefined ? { computeUsdUpperBound: round(upperUsd) } : {}),
    },
    mskDataPerMillion: {
      writtenGiB: round(gib, 4),
      readGiB: round(gib, 4),
      usd: round(gib * (AWS_PRICES.mskServerlessDataInGb.usd + AWS_PRICES.mskServerlessDataOutGb.usd), 4),
    },
    fixedPerHour: { ...fixed, totalUsd: round(fixed.mskClusterUsd + fixed.mskPartitionsUsd + fixed.auroraUsd, 4) },
  };
}
