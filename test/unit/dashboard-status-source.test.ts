/**
 * The twin's pipeline status as the dashboard reads it: per-stage counts from the twin's stats,
 * failed invocations from the mappings, DLQ by reason, lag per stage (null when it cannot be
 * read, one read shared by concurrent callers); and query-string parameters, one value per name.
 */
import { describe, expect, it } from 'vitest';
import { paramsFromSearch } from '../../local/dashboard/query-string-params.js';
import { type StatusTwin, twinStatusSource } from '../../local/dashboard/twin-status-source.js';
import type { EsmStats } from '../../local/event-source-mapping/mapping-stats.js';
import { TwinStats } from '../../local/twin/twin-stats.js';
import type { StageName } from '../../src/pipeline/definition.js';

function mapping(failedInvocations: number) {
  const stats = { failedInvocations } as EsmStats;
  return { stats: () => stats };
}

function statusTwin(lag: () => Promise<Record<StageName, number>>): StatusTwin & { stats: TwinStats } {
  const stats = new TwinStats();
  stats.record({ stage: 'ingest', records: 100, passed: 95, dlq: { NOT_JSON: 3, MISSING_FIELD: 2 } });
  stats.record({ stage: 'enrich', records: 95, passed: 94, dlq: { UNKNOWN_PRODUCT: 1 } });
  stats.record({ stage: 'sink', records: 94, passed: 90, dlq: {}, duplicates: 4, latenciesMs: [120] });
  stats.record({ stage: 'ingest', records: 10, passed: 9, dlq: { NOT_JSON: 1 } });
  const mappings = { ingest: mapping(0), enrich: mapping(2), sink: mapping(1) } as unknown as StatusTwin['mappings'];
  return { stats, mappings, lag };
}

describe('twinStatusSource', () => {
  it('reports per-stage counts, failed invocations, lag and DLQ by reason', async () => {
    const twin = statusTwin(async () => ({ ingest: 5, enrich: 0, sink: 12 }));

    const status = await twinStatusSource(twin).readPipelineStatus();

    expect(status.since).toEqual(new Date(twin.stats.startedAt));
    expect(status.stages).toEqual([
      { stage: 'ingest', recordsIn: 110, recordsOut: 104, recordsToDlq: 6, failedInvocations: 0, lag: 5 },
      { stage: 'enrich', recordsIn: 95, recordsOut: 94, recordsToDlq: 1, failedInvocations: 2, lag: 0 },
      { stage: 'sink', recordsIn: 94, recordsOut: 90, recordsToDlq: 0, failedInvocations: 1, lag: 12 },
    ]);
    expect(status.dlqByReason).toEqual({ NOT_JSON: 4, MISSING_FIELD: 2, UNKNOWN_PRODUCT: 1 });
  });

  it('reports lag as null, and the counts still, when lag cannot be read', async () => {
    const twin = statusTwin(() => Promise.reject(new Error('offsetLag() after stop()')));

    const status = await twinStatusSource(twin).readPipelineStatus();

    expect(status.stages.map((s) => s.lag)).toEqual([null, null, null]);
    expect(status.stages.map((s) => s.recordsIn)).toEqual([110, 95, 94]);
  });

  it('shares one lag read among callers asking at once, and reads again afterwards', async () => {
    let reads = 0;
    const twin = statusTwin(async () => {
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { ingest: reads, enrich: 0, sink: 0 };
    });
    const source = twinStatusSource(twin);

    const [a, b, c] = await Promise.all([source.readPipelineStatus(), source.readPipelineStatus(), source.readPipelineStatus()]);
    const later = await source.readPipelineStatus();

    expect([a, b, c].map((s) => s.stages[0]?.lag)).toEqual([1, 1, 1]);
    expect(later.stages[0]?.lag).toBe(2);
    expect(reads).toBe(2);
  });
});

describe('paramsFromSearch', () => {
  it('gives one value per name, decoded', () => {
    expect(paramsFromSearch(new URLSearchParams('dimension=sku&from=2025-03-01T12%3A00%3A00Z&n='))).toEqual({
      ok: true,
      params: { dimension: 'sku', from: '2025-03-01T12:00:00Z', n: '' },
    });
  });

  it('names a parameter given more than once', () => {
    expect(paramsFromSearch(new URLSearchParams('last=5m&bucket=1s&last=1h'))).toEqual({ ok: false, parameter: 'last' });
  });

  it('keeps names such as __proto__ as plain parameters', () => {
    const outcome = paramsFromSearch(new URLSearchParams('__proto__=x&constructor=y'));

    expect(outcome).toEqual({ ok: true, params: { ['__proto__']: 'x', constructor: 'y' } });
  });
});
