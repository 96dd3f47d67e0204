import { describe, expect, it } from 'vitest';
import type { IsolatedStage } from '../../../bench/model/bench-results.js';
import { compositeCeiling, handlerOwnCpuMs } from '../../../bench/report/composite-ceiling.js';
import { definePipeline } from '../../../src/pipeline/definition.js';

const pipeline = definePipeline();
const batch = pipeline.stages.ingest.batchSize;

/** A handler measured alone at the configured batch size: `cpuMicros` µs of main-thread time per record, `wallMicros` in all. */
const alone = (cpuMicros: number, wallMicros = cpuMicros): IsolatedStage => ({
  points: [{ records: batch, invocations: 10, wallMs: (wallMicros * batch) / 1000, activeMs: (cpuMicros * batch) / 1000 }],
  fit: { fixedWallMs: 0, wallMicrosPerRecord: wallMicros, fixedActiveMs: 0, activeMicrosPerRecord: cpuMicros },
});

describe('compositeCeiling', () => {
  it("adds the relay's time per event and each handler's main-thread time per record", () => {
    // 4,000 events/s through the relay = 250 µs an event; the handlers 100 + 100 + 50 µs (the sink's waiting on the store does not count).
    const c = compositeCeiling({
      relayRate: 4000,
      isolated: { ingest: alone(100), enrich: alone(100), sink: alone(50, 400) },
      pipeline,
      stageShares: { ingest: 1, enrich: 1, sink: 1 },
    });
    expect(c).toEqual({
      eventsPerSecond: 2000,
      ratioToRelay: 0.5,
      relayMicrosPerEvent: 250,
      stageMicrosPerEvent: { ingest: 100, enrich: 100, sink: 50 },
      handlersMicrosPerEvent: 250,
    });
  });

  it('weights each stage by the share of the events that reach it', () => {
    const c = compositeCeiling({
      relayRate: 4000,
      isolated: { ingest: alone(100), enrich: alone(100), sink: alone(100) },
      pipeline,
      stageShares: { ingest: 1, enrich: 0.5, sink: 0.5 },
    });
    expect(c?.stageMicrosPerEvent).toEqual({ ingest: 100, enrich: 50, sink: 50 });
    expect(c?.eventsPerSecond).toBe(2222);
  });

  it('takes the fitted line when the configured batch size was not measured', () => {
    const fitted: IsolatedStage = {
      points: [{ records: 100, invocations: 10, wallMs: 9, activeMs: 9 }],
      fit: { fixedWallMs: 5, wallMicrosPerRecord: 40, fixedActiveMs: 5, activeMicrosPerRecord: 40 },
    };
    const c = compositeCeiling({
      relayRate: 4000,
      isolated: { ingest: fitted, enrich: fitted, sink: fitted },
      pipeline,
      stageShares: { ingest: 1, enrich: 1, sink: 1 },
    });
    expect(c?.stageMicrosPerEvent.ingest).toBeCloseTo(40 + (5 * 1000) / batch, 1);
  });

  it("leaves out a handler's time producing to Kafka, which the relay already pays", () => {
    const producing = (cpuMicros: number, publishMicros: number): IsolatedStage => {
      const stage = alone(cpuMicros);
      return { ...stage, points: stage.points.map((p) => ({ ...p, publishActiveMs: (publishMicros * p.records) / 1000 })) };
    };
    const c = compositeCeiling({
      relayRate: 4000,
      isolated: { ingest: producing(100, 40), enrich: producing(100, 40), sink: alone(50) },
      pipeline,
      stageShares: { ingest: 1, enrich: 1, sink: 1 },
    });
    expect(c?.stageMicrosPerEvent).toEqual({ ingest: 60, enrich: 60, sink: 50 });
    expect(c?.eventsPerSecond).toBe(2381);
  });

  it('scales the producing time per record to a batch size that was not invoked', () => {
    const stage: IsolatedStage = {
      points: [
        { records: 100, invocations: 10, wallMs: 10, activeMs: 10, publishActiveMs: 2 },
        { records: 1000, invocations: 10, wallMs: 100, activeMs: 100, publishActiveMs: 40 },
      ],
      fit: { fixedWallMs: 0, wallMicrosPerRecord: 100, fixedActiveMs: 0, activeMicrosPerRecord: 100 },
    };
    // 20 and 40 µs a record producing: 30 on average; 500 records = 50 ms busy, 15 ms of it producing.
    expect(handlerOwnCpuMs(stage, 500)).toBeCloseTo(35, 6);
    expect(handlerOwnCpuMs(stage, 1000)).toBeCloseTo(60, 6);
  });

  it('keeps the whole busy time for results saved before producing was measured', () => {
    expect(handlerOwnCpuMs(alone(100), batch)).toBeCloseTo((100 * batch) / 1000, 6);
  });

  it('has no ceiling without a relay rate', () => {
    const stage = alone(10);
    expect(
      compositeCeiling({
        relayRate: 0,
        isolated: { ingest: stage, enrich: stage, sink: stage },
        pipeline,
        stageShares: { ingest: 1, enrich: 1, sink: 1 },
      }),
    ).toBeUndefined();
  });
});
