/** The summary of a twin run: printed at the end and written with --json. */
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { StageCounts, TwinStats } from './twin-stats.js';

export interface ProducedCounts {
  sent: number;
  acknowledged: number;
  valid: number;
  invalid: number;
  duplicates: number;
}

export interface RunSummary {
  kafka: string;
  store: string;
  ratePerSecond: number;
  durationSeconds: number;
  produced: ProducedCounts;
  stages: Record<StageName, StageCounts>;
  dlqByReason: Record<string, number>;
  failureDestination: number;
  /** Events in the store at the end, from every run (this run's are stages.sink.passed). */
  storedEvents: number;
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
  eventsPerSecond: number;
  drained: boolean;
  /** The poller mode the mappings emulated. */
  pollerMode: string;
  /** Crashed Kafka consumers the mappings started again. */
  consumerRestarts: number;
  /** Stages whose consumer could not be restarted, with the reason. */
  consumerFailures: Partial<Record<StageName, string>>;
}

export function buildSummary(parts: {
  stats: TwinStats;
  kafka: string;
  store: string;
  ratePerSecond: number;
  produced: ProducedCounts;
  failureDestination: number;
  storedEvents: number;
  drained: boolean;
  generatorSeconds: number;
  pollerMode: string;
  consumerRestarts: number;
  consumerFailures: Partial<Record<StageName, string>>;
}): RunSummary {
  const { stats } = parts;
  const durationSeconds = (Date.now() - stats.startedAt) / 1000;
  return {
    kafka: parts.kafka,
    store: parts.store,
    ratePerSecond: parts.ratePerSecond,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    produced: parts.produced,
    stages: stats.stages,
    dlqByReason: { ...stats.dlqByReason } as Record<string, number>,
    failureDestination: parts.failureDestination,
    storedEvents: parts.storedEvents,
    latencyMs: stats.latency.summary(),
    eventsPerSecond: Math.round(parts.produced.acknowledged / Math.max(parts.generatorSeconds, 0.001)),
    drained: parts.drained,
    pollerMode: parts.pollerMode,
    consumerRestarts: parts.consumerRestarts,
    consumerFailures: parts.consumerFailures,
  };
}

const n = (value: number) => value.toLocaleString('en-US');

export function formatSummary(s: RunSummary): string {
  const lines = [
    `Tributary local twin: ${s.kafka}; store: ${s.store}`,
    `  produced     ${n(s.produced.acknowledged)} acknowledged (${n(s.produced.valid)} valid, ${n(s.produced.invalid)} invalid, ${n(s.produced.duplicates)} duplicates) at ${n(s.eventsPerSecond)} events/s`,
    ...STAGE_NAMES.map((stage) => {
      const c = s.stages[stage];
      const extra = stage === 'sink' ? `, ${n(c.duplicates)} already stored` : '';
      return `  ${stage.padEnd(12)} ${n(c.records)} in, ${n(c.passed)} ${stage === 'sink' ? 'stored this run' : 'passed'}, ${n(c.dlq)} to DLQ${extra}`;
    }),
    `  DLQ by reason ${
      Object.entries(s.dlqByReason)
        .map(([r, c]) => `${r} ${n(c)}`)
        .join(', ') || 'none'
    }`,
    `  failure destination ${n(s.failureDestination)} records`,
    `  in the store  ${n(s.storedEvents)} events from all runs${s.store.startsWith('PGlite') ? ' (`tributary reset` empties it)' : ''}`,
    `  ingest-to-queryable latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms (${n(s.latencyMs.count)} events)`,
    `  poller mode ${s.pollerMode}; consumer restarts ${n(s.consumerRestarts)}`,
    ...Object.entries(s.consumerFailures).map(([stage, reason]) => `  CONSUMER FAILED ${stage}: ${reason}; its records are left unread`),
    `  ran ${s.durationSeconds} s; ${s.drained ? 'drained: every stage consumed everything before it' : 'NOT drained: records are left in Kafka'}`,
  ];
  return lines.join('\n');
}
