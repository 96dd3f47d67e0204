/**
 * One probe of a rate search: the storefront generator offers a rate to a system (the relay or the
 * pipeline) for a warm-up and a measured window while the backlog is sampled. The load is held when
 * Kafka acknowledged what was offered and the backlog did not grow over the window.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../model/bench-results.js';
import { rssMb } from './machine-info.js';

/** The load offered: the storefront generator publishing to the system's input topic (generator-process.ts). */
export interface LoadGenerator {
  /** Records Kafka acknowledged so far, over every run. */
  readonly acknowledged: number;
  /** Publishes `rate` records/s for durationMs, or until `signal` aborts; resolves once what was sent is acknowledged. */
  offer(rate: number, durationMs: number, signal: AbortSignal): Promise<void>;
}

/** What a probe watches. */
export interface LoadSystem {
  /** Records waiting in front of each stage (or hop). */
  backlog(): Promise<readonly number[]>;
  /** Records that left the system so far (through the last stage, or set aside on the way). */
  delivered(): number;
  /** Waits until nothing is waiting anywhere; false on timeout. */
  drain(timeoutMs: number): Promise<boolean>;
  /**
   * Largest backlog one stage may reach before the probe stops: the embedded Kafka keeps only a
   * few MB per partition, so a consumer lagging further would lose records.
   */
  readonly backlogCapPerStage: number;
}

export interface ProbeSettings {
  readonly warmupMs: number;
  readonly windowMs: number;
  /** @default 500 */
  readonly sampleEveryMs?: number;
  /** Held needs at least this share of the offered rate acknowledged. @default 0.97 */
  readonly minAchievedShare?: number;
  /** Held needs the backlog slope at most this share of the offered rate. @default 0.03 */
  readonly maxSlopeShare?: number;
}

export interface Sample {
  /** ms since the window began. */
  readonly t: number;
  readonly backlog: number;
}

/** Least-squares slope of backlog over time, per second (0 with fewer than two samples). */
export function backlogSlope(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  let st = 0;
  let sb = 0;
  for (const s of samples) {
    st += s.t;
    sb += s.backlog;
  }
  const mt = st / n;
  const mb = sb / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.backlog - mb);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 1000;
}

export interface Verdict {
  readonly held: boolean;
  readonly reason: string;
}

/** Decides whether a window held its rate. */
export function judgeWindow(
  input: { rate: number; achievedRate: number; slope: number; capExceeded: boolean },
  settings: Pick<ProbeSettings, 'minAchievedShare' | 'maxSlopeShare'> = {},
): Verdict {
  const minAchieved = settings.minAchievedShare ?? 0.97;
  const maxSlope = settings.maxSlopeShare ?? 0.03;
  if (input.capExceeded) return { held: false, reason: 'backlog passed the cap' };
  if (input.achievedRate < minAchieved * input.rate) {
    return { held: false, reason: `only ${Math.round(input.achievedRate)}/s acknowledged` };
  }
  if (input.slope > maxSlope * input.rate) return { held: false, reason: `backlog grew ${Math.round(input.slope)}/s` };
  return { held: true, reason: 'held' };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Offers `rate` for warm-up + window, sampling the backlog; stops early once a stage passes the cap. */
export async function probeRate(
  system: LoadSystem,
  load: LoadGenerator,
  rate: number,
  settings: ProbeSettings,
  onSample?: (sample: Sample & { rssMb: number }) => void,
): Promise<ProbeResult> {
  const sampleEvery = settings.sampleEveryMs ?? 500;
  const abort = new AbortController();
  const started = performance.now();
  const windowStart = started + settings.warmupMs;
  const windowEnd = windowStart + settings.windowMs;
  const generating = load.offer(rate, settings.warmupMs + settings.windowMs, abort.signal);
  let generatorDone = false;
  const finished = generating.finally(() => {
    generatorDone = true;
  });

  const samples: Sample[] = [];
  let capExceeded = false;
  let rssMax = 0;
  let atWindowStart: { acknowledged: number; delivered: number; cpu: NodeJS.CpuUsage; at: number } | undefined;
  let atWindowEnd: { acknowledged: number; delivered: number; cpu: NodeJS.CpuUsage; at: number } | undefined;
  let lastBacklog = 0;
  while (!generatorDone) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, sampleEvery)), finished.catch(() => {})]);
    const now = performance.now();
    const backlogs = await system.backlog();
    const rss = rssMb();
    rssMax = Math.max(rssMax, rss);
    lastBacklog = sum(backlogs);
    // During the warm-up the backlog may overshoot while the rate settles: allow it twice the cap.
    const cap = now < windowStart ? 2 * system.backlogCapPerStage : system.backlogCapPerStage;
    if (backlogs.some((b) => b > cap)) {
      capExceeded = true;
      abort.abort();
    }
    if (now >= windowStart && atWindowStart === undefined) {
      atWindowStart = { acknowledged: load.acknowledged, delivered: system.delivered(), cpu: process.cpuUsage(), at: now };
    }
    if (atWindowStart !== undefined && now <= windowEnd + sampleEvery) {
      samples.push({ t: now - atWindowStart.at, backlog: lastBacklog });
      atWindowEnd = { acknowledged: load.acknowledged, delivered: system.delivered(), cpu: process.cpuUsage(), at: now };
    }
    onSample?.({ t: now - started, backlog: lastBacklog, rssMb: rss });
  }
  await finished;

  const start = atWindowStart;
  const end = atWindowEnd;
  const seconds = start && end ? (end.at - start.at) / 1000 : 0;
  const achievedRate = seconds > 0 && start && end ? (end.acknowledged - start.acknowledged) / seconds : 0;
  const deliveredRate = seconds > 0 && start && end ? (end.delivered - start.delivered) / seconds : 0;
  const cpuMicros = start && end ? end.cpu.user + end.cpu.system - start.cpu.user - start.cpu.system : 0;
  const slope = backlogSlope(samples);
  const cpuCores = seconds > 0 ? cpuMicros / 1e6 / seconds : 0;
  const verdict =
    seconds > 0
      ? judgeWindow({ rate, achievedRate, slope, capExceeded }, settings)
      : { held: false, reason: capExceeded ? 'backlog passed the cap during the warm-up' : 'no window measured' };
  return {
    rate,
    held: verdict.held,
    reason: verdict.reason,
    achievedRate: Math.round(achievedRate),
    deliveredRate: Math.round(deliveredRate),
    backlogSlope: Math.round(slope),
    backlogEnd: lastBacklog,
    rssMaxMb: Math.round(rssMax),
    cpuCores: Math.round(cpuCores * 100) / 100,
    eventsPerCpuSecond: cpuCores > 0 ? Math.round(deliveredRate / cpuCores) : 0,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
