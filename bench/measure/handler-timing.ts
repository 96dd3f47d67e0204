/**
 * Handler time per stage from the mapping emulator's invocation reports: duration per record, and a
 * least-squares fit duration = fixed + marginal x records, so the cost at another batch size can be
 * estimated from the batches actually seen.
 */
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StageTiming, StageTimings } from '../model/bench-results.js';

export interface InvocationSample {
  readonly records: number;
  readonly durationMs: number;
}

/** A fit needs batches of at least this many different sizes, spread by at least this factor. */
const MIN_DISTINCT_SIZES = 5;
const MIN_SPREAD = 2;

/** Summarises one stage's invocations. */
export function summariseInvocations(samples: readonly InvocationSample[]): StageTiming {
  let records = 0;
  let durationMs = 0;
  for (const s of samples) {
    records += s.records;
    durationMs += s.durationMs;
  }
  const timing: StageTiming = {
    invocations: samples.length,
    records,
    meanRecordsPerInvocation: samples.length === 0 ? 0 : Math.round((records / samples.length) * 10) / 10,
    microsPerRecord: records === 0 ? 0 : Math.round(((durationMs * 1000) / records) * 10) / 10,
  };
  const fit = fitDuration(samples);
  return fit ? { ...timing, fit } : timing;
}

/** duration = fixedMs + marginal x records, by least squares; undefined when the batch sizes barely vary. */
export function fitDuration(samples: readonly InvocationSample[]): StageTiming['fit'] {
  const sizes = new Set(samples.map((s) => s.records));
  const min = Math.min(...sizes);
  const max = Math.max(...sizes);
  if (sizes.size < MIN_DISTINCT_SIZES || max < MIN_SPREAD * Math.max(1, min)) return undefined;
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.records, 0) / n;
  const my = samples.reduce((a, s) => a + s.durationMs, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.records - mx) * (s.durationMs - my);
    den += (s.records - mx) ** 2;
  }
  const slope = num / den;
  const intercept = my - slope * mx;
  // A negative part means the fit says nothing useful (noise dominates): report none.
  if (!(slope > 0) || intercept < 0) return undefined;
  return { fixedMs: Math.round(intercept * 100) / 100, marginalMicrosPerRecord: Math.round(slope * 1000 * 10) / 10 };
}

/** Collects invocation samples per stage; `take()` returns and clears them. */
export class InvocationLog {
  private samples: Record<StageName, InvocationSample[]> = InvocationLog.empty();

  private static empty(): Record<StageName, InvocationSample[]> {
    return Object.fromEntries(STAGE_NAMES.map((s) => [s, []])) as unknown as Record<StageName, InvocationSample[]>;
  }

  add(stage: StageName, sample: InvocationSample): void {
    this.samples[stage].push(sample);
  }

  /** Summaries since the previous take(). */
  take(): StageTimings {
    const taken = this.samples;
    this.samples = InvocationLog.empty();
    return Object.fromEntries(STAGE_NAMES.map((s) => [s, summariseInvocations(taken[s])])) as unknown as StageTimings;
  }
}
