/** What the benchmark asks a worker process to measure (sent as JSON on its command line). */

import type { StoreKind } from '../model/bench-results.js';
import type { ProbeSettings } from './load-probe.js';
import type { RateSearchSettings } from './rate-search.js';

interface TaskBase {
  /** Prefix of the worker's progress lines, e.g. "pipeline postgres p=6 b=500". */
  readonly label: string;
  readonly seed: number;
}

export interface RelayTask extends TaskBase {
  readonly kind: 'relay';
  readonly partitions: number;
  readonly batchingWindowMs: number;
  readonly search: RateSearchSettings;
  readonly probe: ProbeSettings;
}

export interface PipelineTask extends TaskBase {
  readonly kind: 'pipeline';
  readonly store: StoreKind;
  readonly partitions: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly search: RateSearchSettings;
  readonly probe: ProbeSettings;
  /** Measure ingest-to-queryable latency at half the sustained rate afterwards. */
  readonly latency?: { readonly warmupMs: number; readonly windowMs: number };
}

export interface StoreTask extends TaskBase {
  readonly kind: 'store';
  readonly store: StoreKind;
  readonly rows: number;
  readonly extraBatchSizes: readonly number[];
  readonly rounds: number;
}

export interface ProfileTask extends TaskBase {
  readonly kind: 'profile';
  readonly store: StoreKind;
  readonly rate: number;
  readonly warmupMs: number;
  readonly seconds: number;
  /** Where the .cpuprofile goes. */
  readonly profilePath: string;
}

export interface HandlersTask extends TaskBase {
  readonly kind: 'handlers';
  readonly store: StoreKind;
  readonly batchSizes: readonly number[];
  readonly invocationsPerSize: number;
}

export type WorkerTask = RelayTask | PipelineTask | StoreTask | ProfileTask | HandlersTask;

/** The message a worker sends its parent once done. */
export type WorkerMessage<R> = { ok: true; result: R } | { ok: false; error: string };
