/**
 * Runs the pipeline on the twin (embedded Kafka, a fresh database on the real PostgreSQL) under
 * load from the verifying producer, applies one fault while the load runs, heals it, waits for
 * the pipeline to drain and verifies the run by counting.
 */
import { logLevel } from 'kafkajs';
import pg from 'pg';
import type { StageHandler } from '../../functions/shared/batch-handler.js';
import type {
  ConsumerRestartPolicy,
  EsmHandler,
  EventSourceMapping,
  InvocationInfo,
  RetryBackoff,
} from '../../local/esm/event-source-mapping.js';
import { createTrafficGenerator } from '../../local/generator/storefront-traffic.js';
import type { EmbeddedKafka } from '../../local/kafka/embedded-kafka.js';
import { type LocalTwin, startTwin, type TwinMode } from '../../local/twin/local-twin.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline, type StageName } from '../../src/pipeline/definition.js';
import { postgresTestStore, TEST_DATABASE_URL, type TestStore } from '../helpers/stores.js';
import { type Verification, verifyPipeline } from '../verify/pipeline-verifier.js';
import { SequenceLedger } from '../verify/sequence-ledger.js';
import { type ProduceSequencedResult, produceSequenced, type SequencedSource, trafficSource } from '../verify/sequenced-producer.js';
import { waitForDrain } from '../verify/wait-for-drain.js';

/**
 * TRIBUTARY_SOAK=1 runs every fault with many more events, more partitions and longer fault
 * windows. The mock cluster keeps about 5 MiB per partition, which bounds a run to some 60,000
 * events on 6 partitions before a lagging stage would find its records dropped.
 */
export const SOAK = process.env.TRIBUTARY_SOAK === '1';
const RUN = SOAK ? { events: 40_000, ratePerSecond: 2000, partitions: 6 } : { events: 3000, ratePerSecond: 600, partitions: 3 };

/** Retries fast enough for a short run, with a budget (about 13 s over 10 retries) longer than any fault here. */
export const FAULT_RETRY_BACKOFF = { initialMs: 100, maxMs: 2000 } as const;

/** What the run saw: invocations and their failures per stage, and the mappings' warnings. */
export class RunLog {
  readonly invocations: Record<StageName, number> = { ingest: 0, enrich: 0, sink: 0 };
  readonly failedInvocations: Record<StageName, number> = { ingest: 0, enrich: 0, sink: 0 };
  /** The highest attempt number of any invocation (1 = first try), per stage. */
  readonly maxAttempt: Record<StageName, number> = { ingest: 0, enrich: 0, sink: 0 };
  readonly warnings: string[] = [];
  /** Errors the verifying producer's Kafka client logged (each retried request logs one). */
  readonly producerErrors: string[] = [];

  onInvocation(stage: StageName, info: InvocationInfo): void {
    this.invocations[stage]++;
    this.maxAttempt[stage] = Math.max(this.maxAttempt[stage], info.attempt);
    if (info.outcome !== 'success') this.failedInvocations[stage]++;
  }
}

export interface FaultContext {
  readonly twin: LocalTwin;
  readonly embedded: EmbeddedKafka;
  readonly store: TestStore;
  readonly log: RunLog;
  /** Instances of a stage started during the fault: they count for the drain and are stopped at the end. */
  readonly extraMappings: Set<EventSourceMapping>;
  /** Resolves once this share (0..1) of the run's records is acknowledged, or the producer is done. */
  progress(share: number, timeoutMs?: number): Promise<void>;
  /** Keeps a fault in place for this long: the fault's duration, not a wait for a result. */
  hold(ms: number): Promise<void>;
  waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
}

export interface FaultScenario {
  /** The row's name in the fault table. */
  readonly fault: string;
  /** @default 3000 (40000 when soaking, which overrides this) */
  readonly events?: number;
  /** @default 600 (2000 when soaking, which overrides this) */
  readonly ratePerSecond?: number;
  readonly wrapHandler?: (stage: StageName, handler: StageHandler) => EsmHandler;
  /** Changes what the producer sends (e.g. marks poison records). */
  readonly source?: (base: SequencedSource) => SequencedSource;
  /** Applies the fault while the load runs and heals it before resolving (faults built into handlers need none). */
  readonly inject?: (ctx: FaultContext) => Promise<void>;
  /** @default FAULT_RETRY_BACKOFF */
  readonly retryBackoff?: RetryBackoff;
  /** @default 90000 */
  readonly drainTimeoutMs?: number;
  /** @default PROVISIONED_KAFKA_DESTINATION */
  readonly mode?: TwinMode;
  readonly consumerRestart?: ConsumerRestartPolicy;
}

/**
 * The suite runs the mappings in provisioned mode with a Kafka failure destination: the mode whose
 * destination keeps each failed record (with its sequence number), so the verifier can find it.
 */
export const PROVISIONED_KAFKA_DESTINATION: TwinMode = { pollerMode: 'provisioned', failureDestination: 'kafka' };

/** On-demand mode (dev's): whole batches retried until they succeed or their records expire. */
export const ON_DEMAND: TwinMode = { pollerMode: 'on-demand', failureDestination: 'sqs' };

export interface FaultRun {
  readonly verification: Verification;
  readonly drained: boolean;
  readonly produced: ProduceSequencedResult;
  readonly log: RunLog;
  readonly twin: LocalTwin;
  /** Records the sink found already stored (redeliveries the store absorbed). */
  readonly sinkDuplicates: number;
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let runs = 0;

/** Runs one scenario end to end and returns the verification; cleans up whatever happens. */
export async function runFaultScenario(scenario: FaultScenario): Promise<FaultRun> {
  const events = SOAK ? RUN.events : (scenario.events ?? RUN.events);
  const ratePerSecond = SOAK ? RUN.ratePerSecond : (scenario.ratePerSecond ?? RUN.ratePerSecond);
  const store = await postgresTestStore();
  const log = new RunLog();
  const extraMappings = new Set<EventSourceMapping>();
  let twin: LocalTwin | undefined;
  let publisher: RecordPublisher | undefined;
  try {
    twin = await startTwin({
      pipeline: definePipeline({ name: 'faults', partitions: RUN.partitions, batchSize: 100, batchingWindowMs: 50 }),
      store: { databaseUrl: store.url },
      retryBackoff: scenario.retryBackoff ?? FAULT_RETRY_BACKOFF,
      mode: scenario.mode ?? PROVISIONED_KAFKA_DESTINATION,
      ...(scenario.consumerRestart ? { consumerRestart: scenario.consumerRestart } : {}),
      wrapHandler: scenario.wrapHandler,
      onInvocation: (stage, info) => log.onInvocation(stage, info),
      onWarning: (message) => log.warnings.push(message),
    });
    const running = twin;
    const embedded = running.cluster.embedded;
    if (!embedded) throw new Error('the fault suite needs the embedded Kafka (unset KAFKA_BROKERS)');
    // The verifying producer has a client of its own, whose log shows the faults it ran into.
    publisher = createKafkaPublisher(
      createKafka(running.cluster.connection, {
        logCreator: () => (entry) => {
          if (entry.level <= logLevel.WARN && log.producerErrors.length < 10_000) log.producerErrors.push(entry.log.message);
        },
      }),
    );
    const ledger = new SequenceLedger();
    const base = trafficSource(
      createTrafficGenerator({ seed: 5000 + ++runs, invalidShare: 0.03, duplicateShare: 0.01, runId: `f${process.pid}x${runs}` }),
    );
    const producing = produceSequenced({
      source: scenario.source ? scenario.source(base) : base,
      publisher,
      topic: running.pipeline.topics.raw.name,
      ledger,
      count: events,
      ratePerSecond,
    });
    let producerDone = false;
    void producing.finally(() => {
      producerDone = true;
    });
    const ctx: FaultContext = {
      twin: running,
      embedded,
      store,
      log,
      extraMappings,
      progress: (share, timeoutMs = 120_000) => {
        const n = Math.round(share * events);
        return waitFor(`${n} acknowledged records`, () => ledger.size >= n || producerDone, timeoutMs);
      },
      hold: (ms) => new Promise((resolve) => setTimeout(resolve, SOAK ? ms * 3 : ms)),
      waitFor,
    };
    await scenario.inject?.(ctx);
    const produced = await producing;
    const kafka = createKafka(running.cluster.connection);
    const drained = await waitForDrain({
      kafka,
      pipeline: running.pipeline,
      mappings: () => [...Object.values(running.mappings), ...extraMappings],
      timeoutMs: scenario.drainTimeoutMs ?? 90_000,
    });
    const verification = await verifyPipeline({ fault: scenario.fault, pipeline: running.pipeline, kafka, store: store.client, ledger });
    const [batches] = await store.client.query<{ duplicates: number }>(
      'SELECT coalesce(sum(duplicates), 0)::int AS duplicates FROM sink_batches',
    );
    return { verification, drained, produced, log, twin: running, sinkDuplicates: batches?.duplicates ?? 0 };
  } finally {
    await publisher?.close().catch(() => {});
    for (const mapping of extraMappings) await mapping.stop().catch(() => {});
    await twin?.stop().catch(() => {});
    await store.dispose();
  }
}

/** Runs SQL as the server's superuser on the admin database (for faults applied to the store). */
async function asSuperuser(sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

function databaseName(store: TestStore): string {
  if (!store.url) throw new Error('the store fault needs a PostgreSQL test store');
  return decodeURIComponent(new URL(store.url).pathname.slice(1));
}

/**
 * Makes the store unreachable: new connections are refused (ALLOW_CONNECTIONS false holds even for
 * superusers) and every open one is killed with pg_terminate_backend. Returns how many were killed.
 */
export async function takeStoreDown(store: TestStore): Promise<number> {
  const name = databaseName(store);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    // Pick the pids first, then terminate them one by one: SQL does not promise to evaluate a
    // WHERE clause in order, so a terminate inside the filter could reach other databases' sessions.
    const sessions = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    let killed = 0;
    for (const { pid } of sessions.rows) {
      const [row] = (await client.query<{ killed: boolean }>('SELECT pg_terminate_backend($1) AS killed', [pid])).rows;
      if (row?.killed) killed++;
    }
    return killed;
  } finally {
    await client.end();
  }
}

export async function bringStoreBack(store: TestStore): Promise<void> {
  await asSuperuser(`ALTER DATABASE "${databaseName(store)}" ALLOW_CONNECTIONS true`);
}
