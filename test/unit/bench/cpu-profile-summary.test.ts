import { describe, expect, it } from 'vitest';
import { type CpuProfile, formatProfileSummary, packageOf, summariseProfile } from '../../../bench/report/cpu-profile-summary.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });

describe('packageOf', () => {
  it('names node_modules packages, scoped ones included, project folders and engine buckets', () => {
    expect(packageOf(frame('encode', 'file:///w/node_modules/kafkajs/src/protocol/encoder.js'))).toBe('kafkajs');
    expect(packageOf(frame('q', 'file:///w/node_modules/@electric-sql/pglite/dist/index.js'))).toBe('@electric-sql/pglite');
    expect(packageOf(frame('ingestBatch', 'file:///w/src/stages/ingest.ts'))).toBe('src/stages');
    expect(packageOf(frame('run', 'file:///w/bench/run-bench.ts'))).toBe('bench/');
    expect(packageOf(frame('readFile', 'node:fs'))).toBe('node:internal');
    expect(packageOf(frame('(garbage collector)', ''))).toBe('(garbage collector)');
    expect(packageOf(frame('writeBuffer', ''))).toBe('(native)');
  });
});

describe('summariseProfile', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 1000,
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('encode', 'file:///w/node_modules/kafkajs/src/a.js') },
      { id: 3, callFrame: frame('ingestBatch', 'file:///w/src/stages/ingest.ts') },
      { id: 4, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 2, 3, 4, 2],
    timeDeltas: [100, 100, 300, 400, 100],
  };

  it('adds self time per package and per function from samples and time deltas', () => {
    const summary = summariseProfile(profile);
    expect(summary.totalMs).toBe(1);
    expect(summary.byPackage.find((p) => p.name === 'kafkajs')).toMatchObject({ ms: 0, share: 0.3 });
    expect(summary.byPackage[0]).toMatchObject({ name: '(idle)', share: 0.4 });
    expect(summary.byFunction.find((f) => f.name.startsWith('ingestBatch'))?.name).toBe('ingestBatch src/stages/ingest.ts:10');
    expect(formatProfileSummary(summary)).toContain('by function:');
  });

  it('falls back to hit counts when there are no samples', () => {
    const summary = summariseProfile({
      ...profile,
      samples: undefined,
      timeDeltas: undefined,
      nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 2 ? 3 : 1 })),
    });
    expect(summary.byPackage[0]).toMatchObject({ name: 'kafkajs', share: 0.5 });
  });
});
