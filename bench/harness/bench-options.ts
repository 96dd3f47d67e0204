/** Command-line options of `npm run bench`, and the settings each mode runs with. */
import { parseArgs } from 'node:util';
import { STORE_KINDS, type StoreKind } from '../model/bench-results.js';
import type { ProbeSettings } from './load-probe.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Also write the results JSON here. */
  readonly jsonPath?: string;
  readonly stores: readonly StoreKind[];
  /** Profile the twin at its sustained rate even when every target passes. */
  readonly profile: boolean;
  readonly scaling: boolean;
  /** Server the fresh PostgreSQL databases are created on. */
  readonly databaseUrl: string;
  readonly outDir: string;
  readonly seed: number;
}

export interface ModeSettings {
  readonly probe: ProbeSettings;
  readonly growth: number;
  readonly refinements: number;
  /** Probe a failed rate a second time before believing it. */
  readonly confirmFailures: boolean;
  readonly relayStartRate: number;
  /** Measure the relay again after the pipeline runs and compare with the mean of both. */
  readonly repeatRelay: boolean;
  /** The pipeline search starts at this share of the relay ceiling. */
  readonly pipelineStartShare: number;
  readonly storeRows: number;
  readonly storeRounds: number;
  readonly extraInsertBatchSizes: readonly number[];
  readonly latency: { readonly warmupMs: number; readonly windowMs: number };
  readonly scalingPartitions: readonly number[];
  readonly scalingBatchSizes: readonly number[];
  readonly scalingRefinements: number;
  readonly stageCost: boolean;
  readonly profileSeconds: number;
  /** Batch sizes each handler is invoked alone with (the configured one among them). */
  readonly handlerBatchSizes: readonly number[];
  readonly handlerInvocations: number;
}

export const QUICK: ModeSettings = {
  probe: { warmupMs: 1500, windowMs: 4000 },
  growth: 1.5,
  refinements: 1,
  confirmFailures: false,
  relayStartRate: 3000,
  repeatRelay: false,
  pipelineStartShare: 0.5,
  storeRows: 10_000,
  storeRounds: 1,
  extraInsertBatchSizes: [],
  latency: { warmupMs: 1500, windowMs: 5000 },
  scalingPartitions: [],
  scalingBatchSizes: [],
  scalingRefinements: 0,
  stageCost: false,
  profileSeconds: 10,
  handlerBatchSizes: [100, 500],
  handlerInvocations: 5,
};

export const FULL: ModeSettings = {
  probe: { warmupMs: 3000, windowMs: 10_000 },
  growth: 1.4,
  refinements: 3,
  confirmFailures: true,
  relayStartRate: 3000,
  repeatRelay: true,
  pipelineStartShare: 0.5,
  storeRows: 30_000,
  storeRounds: 3,
  extraInsertBatchSizes: [5000],
  latency: { warmupMs: 3000, windowMs: 15_000 },
  scalingPartitions: [1, 3, 6, 12],
  scalingBatchSizes: [100, 500, 1000, 5000],
  scalingRefinements: 2,
  stageCost: true,
  profileSeconds: 15,
  handlerBatchSizes: [100, 500, 1000, 5000],
  handlerInvocations: 10,
};

export class BenchOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchOptionsError';
  }
}

export const USAGE = `usage: npm run bench -- [--quick] [--json <file>] [--store postgres|pglite|both] [--profile] [--no-scaling]
                        [--database-url <postgres://...>] [--seed <n>] [--out-dir <dir>]`;

/** Parses argv (without node and script); throws BenchOptionsError with a one-line reason. */
export function parseBenchOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): BenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new BenchOptionsError(error instanceof Error ? error.message : String(error));
  }
  const quick = values.quick === true;
  const storeArg = values.store ?? (quick ? 'postgres' : 'both');
  if (storeArg !== 'both' && !(STORE_KINDS as readonly string[]).includes(storeArg)) {
    throw new BenchOptionsError(`--store must be postgres, pglite or both, got "${storeArg}"`);
  }
  const seed = Number(values.seed ?? '7');
  if (!Number.isSafeInteger(seed)) throw new BenchOptionsError(`--seed must be a whole number, got "${values.seed}"`);
  const databaseUrl = values['database-url'] ?? env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new BenchOptionsError(`--database-url must be a postgres:// URL, got "${databaseUrl}"`);
  if (values.json === '') throw new BenchOptionsError('--json needs a file name');
  return {
    quick,
    ...(values.json ? { jsonPath: values.json } : {}),
    stores: storeArg === 'both' ? STORE_KINDS : [storeArg as StoreKind],
    profile: values.profile === true,
    scaling: !quick && values['no-scaling'] !== true,
    databaseUrl,
    outDir: values['out-dir'] ?? 'bench/results',
    seed,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      store: { type: 'string' },
      profile: { type: 'boolean' },
      'no-scaling': { type: 'boolean' },
      'database-url': { type: 'string' },
      seed: { type: 'string' },
      'out-dir': { type: 'string' },
    },
  });
}
