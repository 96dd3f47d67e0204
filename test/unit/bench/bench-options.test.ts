import { describe, expect, it } from 'vitest';
import { BenchOptionsError, parseBenchOptions } from '../../../bench/harness/bench-options.js';

describe('parseBenchOptions', () => {
  it('runs everything on both stores by default', () => {
    const options = parseBenchOptions([], {});
    expect(options).toMatchObject({ quick: false, stores: ['postgres', 'pglite'], scaling: true, profile: false, outDir: 'bench/results' });
    expect(options.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(options.jsonPath).toBeUndefined();
  });

  it('keeps --quick short: PostgreSQL only, no scaling, unless a store is named', () => {
    expect(parseBenchOptions(['--quick'], {})).toMatchObject({ quick: true, stores: ['postgres'], scaling: false });
    expect(parseBenchOptions(['--quick', '--store', 'both'], {}).stores).toEqual(['postgres', 'pglite']);
  });

  it('reads --json, --store, --profile, --no-scaling, --seed and the server from BENCH_DATABASE_URL', () => {
    const options = parseBenchOptions(['--json', 'out.json', '--store', 'pglite', '--profile', '--no-scaling', '--seed', '3'], {
      BENCH_DATABASE_URL: 'postgres://u@h:5433/db',
    });
    expect(options).toMatchObject({
      jsonPath: 'out.json',
      stores: ['pglite'],
      profile: true,
      scaling: false,
      seed: 3,
      databaseUrl: 'postgres://u@h:5433/db',
    });
  });

  it('refuses bad input with a one-line reason', () => {
    expect(() => parseBenchOptions(['--store', 'mysql'], {})).toThrow(
      new BenchOptionsError('--store must be postgres, pglite or both, got "mysql"'),
    );
    expect(() => parseBenchOptions(['--seed', 'x'], {})).toThrow(/--seed must be a whole number/);
    expect(() => parseBenchOptions(['--database-url', 'mysql://x'], {})).toThrow(/postgres:\/\//);
    expect(() => parseBenchOptions(['--frobnicate'], {})).toThrow(BenchOptionsError);
  });
});
