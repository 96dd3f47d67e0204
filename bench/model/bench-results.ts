/** Shapes of what the benchmark measures: what workers return and what the results JSON holds. */
import type { StageName } from '../../src/pipeline/definition.js';

export const STORE_KINDS = ['postgres', 'pglite'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** One step of a rate search: the generator offered `rate` events/s for a warm-up plus a measured window. */
export interface ProbeResult {
  /** Offered events/s. */
  rate: number;
  held: boolean;
  /** "held", or why the load was not held. */
  reason: string;
  /** Events/s Kafka acknowledged during the window. */
  achievedRate: number;
  /** Events/s that came out of the last stage (or were set aside on the way) during the window. */
  deliveredRate: number;
  /** Least-squares slope of the summed backlog over the window, records/s. */
  backlogSlope: number;
  /** Summed backlog at the end of the window, records. */
  backlogEnd: number;
  /** Largest RSS sampled during the probe, MB. */
  rssMaxMb: number;
  /** Process CPU time / wall time during the window (2.0 = both cores busy); the embedded broker's threads included. */
  cpuCores: number;
  /** deliveredRate / cpuCores: events through per CPU-second the process got, which background load disturbs less than the rate. */
  eventsPerCpuSecond: number;
  /** One-minute load average at the end of the window. */
  loadAverage: number;
}

export interface SearchResult {
  /** Highest offered rate that was held, events/s (0 when none was). */
  sustainedRate: number;
  /** Lowest offered rate that was not held. */
  lowestFailedRate?: number;
  probes: ProbeResult[];
  /** Set when the search ended early (nothing held, or the upper limit held). */
  note?: string;
}

/** Handler time of one stage, from the mapping emulator's invocation durations. */
export interface StageTiming {
  invocations: number;
  records: number;
  meanRecordsPerInvocation: number;
  /** Sum of invocation durations / records, µs. */
  microsPerRecord: number;
  /** Least-squares fit duration = fixedMs + marginalMicros x records over the invocations (absent with too little spread). */
  fit?: { fixedMs: number; marginalMicrosPerRecord: number };
}

export type StageTimings = Record<StageName, StageTiming>;

export interface LatencyResult {
  /** Offered events/s (half the sustained rate). */
  rate: number;
  windowSeconds: number;
  /** Events stored with received_at inside the window. */
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  stages: StageTimings;
  /** Records each stage saw per raw record (ingest 1; less downstream as invalid records leave). */
  stageShares: Record<StageName, number>;
}

export interface RelayRunResult {
  kind: 'relay';
  partitions: number;
  hops: number;
  search: SearchResult;
  /** VmHWM of the worker process, MB. */
  peakRssMb: number;
}

export interface PipelineRunResult {
  kind: 'pipeline';
  store: StoreKind;
  storeDescription: string;
  partitions: number;
  batchSize: number;
  batchingWindowMs: number;
  search: SearchResult;
  /** Stage timings during the highest held probe. */
  maxLoadStages?: StageTimings;
  /** VmHWM of the twin process over the whole search (overloaded probes included), MB. */
  peakRssMb: number;
  /** Largest RSS sampled during the probes that were held, MB. */
  heldRssMaxMb: number;
  latency?: LatencyResult;
  /** Raw records acknowledged vs. records the ingest stage saw: a check that nothing was lost. */
  accounting: { produced: number; ingested: number; stored: number; dlq: number };
}

export interface InsertMethodResult {
  method: 'copy' | 'unnest' | 'jsonb_to_recordset';
  batchSize: number;
  rowsPerSecond: number;
}

export interface StoreCeilingResult {
  kind: 'store';
  store: StoreKind;
  storeDescription: string;
  rows: number;
  /** Rounds that alternated sink and bulk inserts; each figure is the best of them. */
  rounds: number;
  /** The sink's batch size (the pipeline's configured one). */
  batchSize: number;
  methods: InsertMethodResult[];
  /** Fastest method at the sink's batch size. */
  ceilingRowsPerSecond: number;
  ceilingMethod: string;
  /** Fastest method at any measured batch size. */
  bestRowsPerSecond: number;
  /** The real sink core (events + rollups, one statement per batch), same rows, same batch size. */
  sinkRowsPerSecond: number;
  /** The sink at each measured batch size. */
  sinkBySize: { batchSize: number; rowsPerSecond: number }[];
  /**
   * PostgreSQL only: the sink's work (its statement: events and rollups) with COPY's input path,
   * each batch COPYed into a staging table first; same rows, the sink's batch size.
   */
  sameWorkRowsPerSecond?: number;
  /** Every measurement, round by round. */
  samples: { method: InsertMethodResult['method'] | 'sink'; batchSize: number; rowsPerSecond: number; round: number }[];
  /** Mean value bytes per record on each topic, from the same generated events. */
  recordBytes: { raw: number; clean: number; enriched: number };
}

export interface ProfileRunResult {
  kind: 'profile';
  store: StoreKind;
  rate: number;
  seconds: number;
  profilePath: string;
}

/** One batch size of an isolated handler run: medians over its invocations. */
export interface IsolatedPoint {
  records: number;
  invocations: number;
  /** Median wall time of an invocation, ms. */
  wallMs: number;
  /** Median main-thread busy time of an invocation (event loop utilisation), ms: the CPU part. */
  activeMs: number;
  /**
   * Median main-thread busy time inside the publisher (producing the outputs to Kafka), ms: part of
   * activeMs. The relay ceiling pays the same production, so the composite ceiling leaves it out.
   * Absent in results saved before it was measured.
   */
  publishActiveMs?: number;
}

/** A stage's handler invoked alone, one invocation at a time, as Lambda runs it. */
export interface IsolatedStage {
  points: IsolatedPoint[];
  /** Least-squares lines through the points: ms = fixed + µs/record x records / 1000. */
  fit: { fixedWallMs: number; wallMicrosPerRecord: number; fixedActiveMs: number; activeMicrosPerRecord: number };
}

export interface HandlerRunResult {
  kind: 'handlers';
  store: StoreKind;
  storeDescription: string;
  stages: Record<StageName, IsolatedStage>;
}

export type WorkerResult = RelayRunResult | PipelineRunResult | StoreCeilingResult | ProfileRunResult | HandlerRunResult;
