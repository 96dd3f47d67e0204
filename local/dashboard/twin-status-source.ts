/**
 * The local twin's PipelineStatusSource: per-stage counts from the twin's stats, failed
 * invocations from the event source mappings, DLQ counts by reason, and offset lag per stage.
 */
import type { PipelineStatus, PipelineStatusSource, StageStatus } from '../../src/analytics/index.js';
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { LocalTwin } from '../twin/local-twin.js';

/** The parts of a running twin the status is read from. */
export type StatusTwin = Pick<LocalTwin, 'stats' | 'mappings' | 'lag'>;

/** A status source over a running twin. Lag is null for every stage when it cannot be read (e.g. while stopping). */
export function twinStatusSource(twin: StatusTwin): PipelineStatusSource {
  // Several requests of one dashboard refresh ask at once: they share one lag read.
  let lagRead: Promise<Record<StageName, number> | null> | undefined;
  const readLag = (): Promise<Record<StageName, number> | null> => {
    lagRead ??= twin
      .lag()
      .catch(() => null)
      .finally(() => {
        lagRead = undefined;
      });
    return lagRead;
  };

  return {
    async readPipelineStatus(): Promise<PipelineStatus> {
      const lag = await readLag();
      const stages: StageStatus[] = STAGE_NAMES.map((stage) => {
        const counts = twin.stats.stages[stage];
        return {
          stage,
          recordsIn: counts.records,
          recordsOut: counts.passed,
          recordsToDlq: counts.dlq,
          failedInvocations: twin.mappings[stage].stats().failedInvocations,
          lag: lag?.[stage] ?? null,
        };
      });
      const dlqByReason: Record<string, number> = {};
      for (const [reason, count] of Object.entries(twin.stats.dlqByReason)) {
        if (count !== undefined && count > 0) dlqByReason[reason] = count;
      }
      return { since: new Date(twin.stats.startedAt), stages, dlqByReason };
    },
  };
}
