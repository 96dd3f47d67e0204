/**
 * The composite ceiling: the best throughput any event-source-mapping emulator could reach with
 * today's handlers, from the same run's measurements. Per event, the relay's cost (1 / the relay
 * ceiling: moving it through the three topics, nothing else) plus each handler's own cost per
 * record (main-thread time of the handler invoked alone at the configured batch size, weighted by
 * the share of events that reach the stage, less its time producing the outputs to Kafka: the relay
 * already pays that production, and counting it twice made the pipeline beat its "ceiling" by 14%
 * in the run of 2026-12-07). Only the emulator's own overhead, the gap between
 * this ceiling and the pipeline, is left for the twin's code to win; the relay ratio also holds the
 * handlers' cost, which no emulator can remove.
 */
import { type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import { isolatedMs } from '../cost/cost-model.js';
import type { IsolatedStage } from '../model/bench-results.js';

export interface CompositeCeiling {
  /** Events/s: 1e6 / (relayMicrosPerEvent + handlersMicrosPerEvent). */
  eventsPerSecond: number;
  /** eventsPerSecond / the relay ceiling. */
  ratioToRelay: number;
  /** 1e6 / the relay ceiling. */
  relayMicrosPerEvent: number;
  /** Each stage's handler time per raw event (its time per record x the stage's share of the events). */
  stageMicrosPerEvent: Record<StageName, number>;
  handlersMicrosPerEvent: number;
}

export interface CompositeInputs {
  /** The relay ceiling of the run, events/s. */
  readonly relayRate: number;
  /** Each handler invoked alone, on the store judged. */
  readonly isolated: Record<StageName, IsolatedStage>;
  readonly pipeline: PipelineDefinition;
  /** Records each stage sees per raw record. */
  readonly stageShares: Record<StageName, number>;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function compositeCeiling(inputs: CompositeInputs): CompositeCeiling | undefined {
  if (!(inputs.relayRate > 0)) return undefined;
  const relayMicrosPerEvent = 1e6 / inputs.relayRate;
  const stageMicrosPerEvent = Object.fromEntries(
    STAGE_NAMES.map((stage) => {
      const { batchSize } = inputs.pipeline.stages[stage];
      const perRecord = (handlerOwnCpuMs(inputs.isolated[stage], batchSize) * 1000) / batchSize;
      return [stage, perRecord * inputs.stageShares[stage]];
    }),
  ) as Record<StageName, number>;
  const handlersMicrosPerEvent = STAGE_NAMES.reduce((sum, stage) => sum + stageMicrosPerEvent[stage], 0);
  const eventsPerSecond = 1e6 / (relayMicrosPerEvent + handlersMicrosPerEvent);
  return {
    eventsPerSecond: Math.round(eventsPerSecond),
    ratioToRelay: round(eventsPerSecond / inputs.relayRate, 3),
    relayMicrosPerEvent: round(relayMicrosPerEvent, 1),
    stageMicrosPerEvent: Object.fromEntries(STAGE_NAMES.map((s) => [s, round(stageMicrosPerEvent[s], 1)])) as Record<StageName, number>,
    handlersMicrosPerEvent: round(handlersMicrosPerEvent, 1),
  };
}

/**
 * A handler's main-thread time for a batch, without producing its outputs (the relay's part). The
 * producing time is measured at the batch sizes invoked; elsewhere it scales with the records.
 */
export function handlerOwnCpuMs(stage: IsolatedStage, records: number): number {
  const { cpuMs } = isolatedMs(stage, records);
  const measured = stage.points.flatMap((p) => (p.publishActiveMs === undefined ? [] : [{ records: p.records, ms: p.publishActiveMs }]));
  if (measured.length === 0) return cpuMs;
  const exact = measured.find((p) => p.records === records);
  const publishMs = exact ? exact.ms : (records * measured.reduce((sum, p) => sum + p.ms / p.records, 0)) / measured.length;
  return Math.max(0, cpuMs - publishMs);
}
