/**
 * Change data capture from PostgreSQL to Kafka, in Debezium's format (src/cdc/debezium-envelope.ts):
 * a logical replication slot read with pgoutput (pg-logical-replication), an initial snapshot, then
 * streaming.
 *
 * Durability: the slot's confirmed LSN advances only to the end of transactions whose every record
 * Kafka acknowledged (acks=all), in commit order. A crash at any point therefore loses nothing: the
 * server sends again everything after the confirmed LSN; records that reached Kafka but were not yet
 * confirmed arrive twice, which the consumers absorb by applying by LSN. Kafka unreachable: the
 * same batch is retried until it is acknowledged, while replication is paused once the backlog
 * reaches maxPendingRecords. Source restarted or connection lost: reconnects from the confirmed LSN.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { acknowledgedPublish } from './acknowledged-publish.js';
import { prepareSlot } from './capture-slot.js';
import { CaptureTopics, describeCapturedSource, openCatalog, sourceConnection } from './capture-source.js';
import { type CaptureState, type ChangeCaptureStats, newCaptureCounters } from './capture-state.js';
import { ColumnTypes } from './column-types.js';
import { ChangeCaptureError } from './errors.js';
import { formatLsn, parseLsn } from './lsn.js';
import { PendingTransactions } from './pending-transactions.js';
import { ReplicationStream } from './replication-stream.js';
import type { TableInfo } from './source-catalog.js';
import { TransactionAssembler } from './transaction-assembler.js';
import { flushTransactions } from './transaction-flusher.js';
import { Wakeups } from './wakeups.js';

export type { ChangeCaptureStats } from './capture-state.js';

export interface ChangeCaptureOptions {
  /** Any PostgreSQL with wal_level=logical; the user needs REPLICATION (and CREATE for the publication). */
  readonly sourceUrl: string;
  /** Debezium's topic.prefix: topics are <prefix>.<schema>.<table>. */
  readonly topicPrefix: string;
  readonly slotName: string;
  /** @default `${slotName}_publication` */
  readonly publicationName?: string;
  /** Tables to publish ("schema.table"); when absent, an existing publication's tables or all tables. */
  readonly tables?: readonly string[];
  readonly publisher: RecordPublisher;
  /** Makes the topic exist before the first record goes to it (external Kafka, embedded cluster). */
  readonly ensureTopic?: (topic: string) => Promise<void>;
  /** Folder for the snapshot marker. */
  readonly stateDir: string;
  /** Records received but not yet acknowledged by Kafka before replication pauses. @default 20,000 */
  readonly maxPendingRecords?: number;
  readonly onWarning?: (message: string) => void;
}

export interface ChangeCapture {
  readonly tables: readonly TableInfo[];
  stats(): ChangeCaptureStats;
  /** Resolves when every change committed on the source up to now is acknowledged by Kafka. */
  caughtUp(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startChangeCapture(options: ChangeCaptureOptions): Promise<ChangeCapture> {
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`[cdc] ${m}\n`));
  const publication = options.publicationName ?? `${options.slotName}_publication`;
  const connection = sourceConnection(options.sourceUrl);
  const catalog = openCatalog(connection, warn);
  const types = new ColumnTypes(catalog);
  const topics = new CaptureTopics(options.topicPrefix, options.ensureTopic);
  const source = await describeCapturedSource(catalog, publication, options.tables, topics);

  const state: CaptureState = {
    stopping: false,
    generation: 0,
    confirmed: 0n,
    counters: newCaptureCounters(),
    pending: new PendingTransactions(),
    wakeups: new Wakeups(),
  };
  const publish = acknowledgedPublish(state, options.publisher, warn);
  const { slotName, stateDir, topicPrefix } = options;
  state.confirmed = await prepareSlot({
    catalog,
    connection,
    slotName,
    stateDir,
    topicPrefix,
    source,
    types,
    counters: state.counters,
    publish,
    warn,
  });

  const assembler = new TransactionAssembler({
    state,
    catalog,
    types,
    topics,
    topicPrefix,
    database: source.database,
    maxPending: options.maxPendingRecords ?? 20_000,
    warn,
  });
  const stream = new ReplicationStream({ state, connection, slotName, publication, assembler, warn });
  const flusher = flushTransactions(state, publish, () => stream.acknowledge());
  try {
    await stream.start();
  } catch (error) {
    state.stopping = true;
    state.wakeups.wake();
    await flusher;
    await stream.destroy();
    await catalog.end().catch(() => {});
    throw new ChangeCaptureError(`cannot start replication from slot ${slotName}: ${(error as Error).message}`, { cause: error });
  }
  const keepAlive = setInterval(() => stream.acknowledge(), 1000);

  return {
    tables: source.tables,
    stats: () => ({ ...state.counters, confirmedLsn: formatLsn(state.confirmed), pendingRecords: state.pending.records }),
    caughtUp: (timeoutMs) => waitCaughtUp(catalog, state, timeoutMs),
    async stop() {
      if (state.stopping) return;
      state.stopping = true;
      state.wakeups.wake();
      await flusher;
      await stream.reconnecting;
      await stream.destroy();
      clearInterval(keepAlive);
      await catalog.end().catch(() => {});
    },
  };
}

async function waitCaughtUp(catalog: pg.Pool, state: CaptureState, timeoutMs: number): Promise<boolean> {
  // A transactional logical message: its transaction is confirmed only after everything
  // committed before it was acknowledged by Kafka.
  const mark = await catalog.query<{ lsn: string }>("SELECT pg_logical_emit_message(true, 'tributary-cdc', 'caught-up')::text AS lsn");
  const target = parseLsn(mark.rows[0]?.lsn ?? '0/0');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (state.confirmed > target) return true;
    await sleep(20);
  }
  return false;
}
