/**
 * The Kafka ceiling run: the embedded cluster the twin uses (same brokers, topics and partitions),
 * the storefront generator writing to raw (in a child process, as in the pipeline run), and a
 * no-processing relay through one hop per stage (raw -> clean -> enriched -> sink topic). Finds the
 * highest rate it holds.
 */
import { performance } from 'node:perf_hooks';
import { MOCK_PARTITION_RETENTION_BYTES } from '../../local/kafka/embedded-kafka.js';
import { openKafkaCluster } from '../../local/kafka/kafka-cluster.js';
import { createTwinKafka } from '../../local/kafka/twin-kafka.js';
import { definePipeline, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { startGeneratorProcess } from '../harness/generator-process.js';
import { type LoadSystem, probeRate } from '../harness/load-probe.js';
import { peakRssMb } from '../harness/machine-info.js';
import { searchSustainedRate } from '../harness/rate-search.js';
import type { RelayTask } from '../harness/worker-task.js';
import type { RelayRunResult } from '../model/bench-results.js';
import { startKafkaRelay } from './kafka-relay.js';

/** The mapping emulator's fetch wait for a batching window: a quarter of it, within 10..50 ms. */
export function fetchWaitFor(batchingWindowMs: number): number {
  return Math.min(50, Math.max(10, Math.round(batchingWindowMs / 4)));
}

/** A stage may lag this many records before a probe stops: 60% of what the mock keeps, at 1 KiB a record (records are smaller). */
export function backlogCapFor(partitions: number): number {
  return Math.floor((0.6 * partitions * MOCK_PARTITION_RETENTION_BYTES) / 1024);
}

export async function runRelayBench(task: RelayTask, say: (line: string) => void): Promise<RelayRunResult> {
  const pipeline = definePipeline({ name: 'relay', partitions: task.partitions, batchingWindowMs: task.batchingWindowMs });
  const cluster = await openKafkaCluster(pipeline, { clientId: 'tributary-bench-relay' });
  try {
    const sinkTopic = `${pipeline.name}-sink`;
    cluster.embedded?.createTopic(sinkTopic, task.partitions);
    const { raw, clean, enriched } = pipeline.topics;
    const kafka = createTwinKafka(cluster.connection);
    const load = await startGeneratorProcess({
      connection: cluster.connection,
      topic: raw.name,
      seed: task.seed,
      runId: `relay${task.seed.toString(36)}${Date.now().toString(36)}`,
    });
    try {
      const started = performance.now();
      const relay = await startKafkaRelay({
        kafka,
        topics: [raw.name, clean.name, enriched.name, sinkTopic],
        fetchWaitMs: fetchWaitFor(task.batchingWindowMs),
        groupPrefix: 'bench-relay',
      });
      say(
        `relay of ${relay.hops} hops (one per stage: ${STAGE_NAMES.join(', ')}) joined in ${Math.round(performance.now() - started)} ms on ${cluster.describe()}`,
      );
      const backlog = () => {
        const relayed = relay.relayed();
        return [load.acknowledged, ...relayed].slice(0, relay.hops).map((input, hop) => input - (relayed[hop] as number));
      };
      const system: LoadSystem = {
        backlog: async () => backlog(),
        delivered: () => relay.relayed()[relay.hops - 1] as number,
        backlogCapPerStage: backlogCapFor(task.partitions),
        async drain(timeoutMs) {
          const deadline = Date.now() + timeoutMs;
          while (Date.now() < deadline) {
            if (backlog().every((b) => b <= 0)) return true;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return false;
        },
      };
      try {
        const search = await searchSustainedRate(async (rate) => {
          const result = await probeRate(system, load, rate, task.probe);
          say(describeProbe(result));
          if (!result.held && !(await system.drain(60_000))) throw new Error(`the relay did not drain within 60 s after ${rate}/s`);
          return result;
        }, task.search);
        return { kind: 'relay', partitions: task.partitions, hops: relay.hops, search, peakRssMb: peakRssMb() };
      } finally {
        await relay.stop();
      }
    } finally {
      await load.close();
    }
  } finally {
    await cluster.close();
  }
}

/** One progress line for a probe. */
export function describeProbe(p: {
  rate: number;
  held: boolean;
  reason: string;
  deliveredRate: number;
  backlogSlope: number;
  rssMaxMb: number;
  cpuCores: number;
  loadAverage: number;
}): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `${n(p.rate)}/s: ${p.held ? 'held' : `NOT held (${p.reason})`}; out ${n(p.deliveredRate)}/s, backlog ${p.backlogSlope >= 0 ? '+' : ''}${n(p.backlogSlope)}/s, rss ${p.rssMaxMb} MB, cpu ${p.cpuCores} cores, load ${p.loadAverage}`;
}
