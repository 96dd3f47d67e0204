/** What `GET /api/status` and `tributary status` report about a running twin. */
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { LocalTwin } from './local-twin.js';

export interface TwinStatus {
  pid: number;
  url: string;
  startedAt: string;
  uptimeSeconds: number;
  pipeline: string;
  kafka: { description: string; bootstrapServers: string };
  store: string;
  /** Generator rate, 0 when the twin only waits for events. */
  ratePerSecond: number;
  stages: Record<StageName, { records: number; passed: number; dlq: number; lag: number | null }>;
  latencyMs: { p50: number; p99: number };
}

export async function twinStatus(
  twin: Pick<LocalTwin, 'stats' | 'lag' | 'pipeline' | 'cluster' | 'storeDescription'>,
  extra: { url: string; ratePerSecond: number },
): Promise<TwinStatus> {
  const lag = await twin.lag().catch(() => undefined);
  const latency = twin.stats.latency.summary();
  return {
    pid: process.pid,
    url: extra.url,
    startedAt: new Date(twin.stats.startedAt).toISOString(),
    uptimeSeconds: Math.round((Date.now() - twin.stats.startedAt) / 1000),
    pipeline: twin.pipeline.name,
    kafka: { description: twin.cluster.describe(), bootstrapServers: twin.cluster.bootstrapServers },
    store: twin.storeDescription,
    ratePerSecond: extra.ratePerSecond,
    stages: Object.fromEntries(
      STAGE_NAMES.map((stage) => {
        const c = twin.stats.stages[stage];
        return [stage, { records: c.records, passed: c.passed, dlq: c.dlq, lag: lag?.[stage] ?? null }];
      }),
    ) as TwinStatus['stages'],
    latencyMs: { p50: latency.p50, p99: latency.p99 },
  };
}
