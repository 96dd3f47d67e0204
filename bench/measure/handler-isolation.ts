/**
 * The handlers as Lambda runs them: one invocation at a time, nothing else on the event loop. Each
 * stage's real handler (built as the local twin builds it) gets MSK events of a given batch size,
 * encoded by the codec the emulator uses, and publishes to the embedded Kafka and writes to the
 * store as in the pipeline. Wall time and main-thread busy time (event loop utilisation) are
 * measured per invocation, so the cost model can scale only the CPU part by Lambda's CPU share;
 * the busy time inside the publisher is measured apart for the composite ceiling.
 */
import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { DEFAULT_EVENT_SOURCE_ARN } from '../../local/event-source-mapping/failure-envelope.js';
import { openKafkaCluster } from '../../local/kafka/kafka-cluster.js';
import { createPgliteClient } from '../../local/store/pglite-client.js';
import { ReferenceDataCache, storeReferenceData } from '../../src/enrichment/reference-data.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { KafkaRecord } from '../../src/kafka/msk-event.js';
import { encodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { definePipeline, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import type { BenchStore } from '../harness/bench-stores.js';
import { makeStageRecords } from '../harness/stage-records.js';
import type { HandlerRunResult, IsolatedPoint, IsolatedStage } from '../model/bench-results.js';

export interface IsolationOptions {
  readonly store: BenchStore;
  readonly batchSizes: readonly number[];
  readonly invocationsPerSize: number;
  readonly seed: number;
  readonly onProgress?: (line: string) => void;
}

const WARMUP_INVOCATIONS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Least-squares line y = a + b x; with one point, a line through the origin. */
export function fitLine(points: readonly { x: number; y: number }[]): { intercept: number; slope: number } {
  if (points.length === 0) return { intercept: 0, slope: 0 };
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (den === 0) return { intercept: 0, slope: mx === 0 ? 0 : my / mx };
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / den;
  return { intercept: my - slope * mx, slope };
}

function summarise(points: IsolatedPoint[]): IsolatedStage {
  const wall = fitLine(points.map((p) => ({ x: p.records, y: p.wallMs })));
  const active = fitLine(points.map((p) => ({ x: p.records, y: p.activeMs })));
  const r = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
  return {
    points,
    fit: {
      fixedWallMs: r(wall.intercept),
      wallMicrosPerRecord: r(wall.slope * 1000, 2),
      fixedActiveMs: r(active.intercept),
      activeMicrosPerRecord: r(active.slope * 1000, 2),
    },
  };
}

/** Invokes each stage's handler alone at each batch size; returns medians and fitted lines. */
export async function measureIsolatedHandlers(options: IsolationOptions): Promise<HandlerRunResult> {
  const pipeline = definePipeline();
  const { batchSizes, invocationsPerSize } = options;
  const perStage = batchSizes.reduce((n, size) => n + size * (invocationsPerSize + WARMUP_INVOCATIONS), 0);
  const records = makeStageRecords(pipeline, perStage, options.seed);
  const inputs: Record<StageName, KafkaRecord[]> = { ingest: records.raw, enrich: records.clean, sink: records.enriched };

  const cluster = await openKafkaCluster(pipeline, { clientId: 'tributary-bench-handlers' });
  const client: SqlClient = options.store.client ?? (await createPgliteClient(options.store.dataDir));
  const kafkaPublisher = createKafkaPublisher(createKafka(cluster.connection));
  // Busy time spent producing, apart: the composite ceiling must not count it twice (the relay pays it).
  let publishActiveMs = 0;
  const publisher: RecordPublisher = {
    async publish(outputs) {
      const elu = performance.eventLoopUtilization();
      try {
        await kafkaPublisher.publish(outputs);
      } finally {
        publishActiveMs += performance.eventLoopUtilization(elu).active;
      }
    },
    close: () => kafkaPublisher.close(),
  };
  try {
    const logger = new Logger({ serviceName: 'tributary-bench', logLevel: 'ERROR' });
    const deps = { pipeline, publisher, logger, store: client, reference: new ReferenceDataCache(storeReferenceData(client)) };
    const handlers = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, createStageHandler(stage, deps)])) as Record<
      StageName,
      StageHandler
    >;
    const source = {
      eventSource: 'aws:kafka' as const,
      eventSourceArn: DEFAULT_EVENT_SOURCE_ARN,
      bootstrapServers: cluster.bootstrapServers,
    };
    const stages = {} as Record<StageName, IsolatedStage>;
    for (const stage of STAGE_NAMES) {
      const input = inputs[stage];
      let next = 0;
      const take = (size: number) => {
        const batch = input.slice(next, next + size);
        next += size;
        return batch;
      };
      const points: IsolatedPoint[] = [];
      for (const size of batchSizes) {
        const wall: number[] = [];
        const active: number[] = [];
        const publishing: number[] = [];
        for (let i = 0; i < WARMUP_INVOCATIONS + invocationsPerSize; i++) {
          // Encoded before the clock starts, as the emulator does before it calls the handler.
          const event = encodeMskEvent(take(size), source);
          publishActiveMs = 0;
          const elu = performance.eventLoopUtilization();
          const started = performance.now();
          await handlers[stage](event);
          const wallMs = performance.now() - started;
          const used = performance.eventLoopUtilization(elu);
          if (i < WARMUP_INVOCATIONS) continue;
          wall.push(wallMs);
          // ELU counts the loop's busy time, including the synchronous work before the first await.
          active.push(Math.min(wallMs, used.active));
          publishing.push(Math.min(used.active, publishActiveMs));
        }
        const point = {
          records: size,
          invocations: invocationsPerSize,
          wallMs: Math.round(median(wall) * 1000) / 1000,
          activeMs: Math.round(median(active) * 1000) / 1000,
          publishActiveMs: Math.round(median(publishing) * 1000) / 1000,
        };
        points.push(point);
        options.onProgress?.(
          `${stage} alone, ${size} records: ${point.wallMs.toFixed(1)} ms wall, ${point.activeMs.toFixed(1)} ms busy, ${point.publishActiveMs.toFixed(1)} ms of it producing (median of ${invocationsPerSize})`,
        );
      }
      stages[stage] = summarise(points);
    }
    return { kind: 'handlers', store: options.store.kind, storeDescription: options.store.description, stages };
  } finally {
    await publisher.close();
    if (!options.store.client) await client.close();
    await cluster.close();
  }
}
