import { describe, expect, it } from 'vitest';
import { AWS_PRICES } from '../../../bench/cost/aws-prices.js';
import { billedMs, buildCostModel, isolatedMs } from '../../../bench/cost/cost-model.js';
import type { IsolatedStage, StageTiming } from '../../../bench/model/bench-results.js';
import { definePipeline, STAGE_NAMES, type StageName } from '../../../src/pipeline/definition.js';

const isolated = (wallPer500: number, cpuPer500: number): IsolatedStage => ({
  points: [
    { records: 100, invocations: 5, wallMs: wallPer500 / 5, activeMs: cpuPer500 / 5 },
    { records: 500, invocations: 5, wallMs: wallPer500, activeMs: cpuPer500 },
  ],
  fit: {
    fixedWallMs: 0,
    wallMicrosPerRecord: (wallPer500 * 1000) / 500,
    fixedActiveMs: 0,
    activeMicrosPerRecord: (cpuPer500 * 1000) / 500,
  },
});

const stages = { ingest: isolated(20, 20), enrich: isolated(10, 10), sink: isolated(40, 10) } as Record<StageName, IsolatedStage>;
const emulator = Object.fromEntries(
  STAGE_NAMES.map((s) => [
    s,
    { invocations: 10, records: 1000, meanRecordsPerInvocation: 100, microsPerRecord: 100 } satisfies StageTiming,
  ]),
) as Record<StageName, StageTiming>;

describe('buildCostModel', () => {
  const pipeline = definePipeline();
  const model = buildCostModel({
    pipeline,
    isolated: stages,
    emulator,
    stageShares: { ingest: 1, enrich: 1, sink: 1 },
    recordBytes: { raw: 400, clean: 400, enriched: 600 },
  });

  it('bills the CPU part at the function CPU share and the waiting part as measured', () => {
    // ingest: 512 MB gets 512/1769 of a vCPU, so 20 ms of CPU take 20 x 1769/512 = 69.1 ms -> 70 ms billed.
    expect(model.stages.ingest.billedMsPerInvocation).toBe(70);
    // sink: 1024 MB; 10 ms CPU x 1769/1024 + 30 ms waiting = 47.3 -> 48 ms.
    expect(model.stages.sink.billedMsPerInvocation).toBe(48);
    expect(model.stages.ingest.invocationsPerMillion).toBe(2000);
  });

  it('adds GB-seconds and requests per million events at the configured memory and batch size', () => {
    const ingestGbS = 2000 * 0.07 * 0.5;
    expect(model.stages.ingest.gbSecondsPerMillion).toBeCloseTo(ingestGbS, 2);
    expect(model.stages.ingest.computeUsdPerMillion).toBeCloseTo(ingestGbS * AWS_PRICES.lambdaArmGbSecond.usd, 6);
    expect(model.lambdaPerMillion.requestsUsd).toBeCloseTo(6000 * 0.2e-6, 9);
    const total = STAGE_NAMES.reduce((n, s) => n + model.stages[s].computeUsdPerMillion, 0);
    expect(model.lambdaPerMillion.computeUsd).toBeCloseTo(total, 6);
    expect(model.lambdaPerMillion.computeUsdUpperBound).toBeGreaterThan(model.lambdaPerMillion.computeUsd);
  });

  it('prices the observed batch sizes from the fitted line', () => {
    expect(model.stages.ingest.observed.meanRecordsPerInvocation).toBe(100);
    expect(model.stages.ingest.observed.invocationsPerMillion).toBe(10_000);
  });

  it('adds the fixed hourly cost of the default MSK Serverless cluster, its partitions and Aurora at its minimum ACU', () => {
    const partitions = Object.values(pipeline.topics).reduce((n, t) => n + t.partitions, 0);
    expect(model.fixedPerHour.partitions).toBe(partitions);
    expect(model.fixedPerHour.totalUsd).toBeCloseTo(0.75 + partitions * 0.0015 + 0.5 * 0.12, 6);
    expect(model.mskDataPerMillion.writtenGiB).toBeCloseTo((1e6 * 1400) / 1024 ** 3, 4);
  });
});

describe('isolatedMs and billedMs', () => {
  it('uses the measured point when there is one, else the fitted line', () => {
    expect(isolatedMs(stages.sink, 500)).toEqual({ wallMs: 40, cpuMs: 10 });
    expect(isolatedMs(stages.sink, 1000)).toEqual({ wallMs: 80, cpuMs: 20 });
  });

  it('rounds the billed duration up to a whole millisecond', () => {
    expect(billedMs(10, 10, 1)).toBe(10);
    expect(billedMs(10.01, 10, 1)).toBe(11);
  });
});
