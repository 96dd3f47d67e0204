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
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import { type ChangeContext, type ColumnSpec, changeRecords, type RowChange, type TextRow } from './change-records.js';
import { ColumnTypes } from './column-types.js';
import { ChangeCaptureError, SourceNotReadyError } from './errors.js';
import { runInitialSnapshot } from './initial-snapshot.js';
import { formatLsn, parseLsn } from './lsn.js';
import { readSnapshotMarker, removeSnapshotMarker, writeSnapshotMarker } from './snapshot-marker.js';
import {
  checkCapturable,
  checkLogicalReplication,
  describeTable,
  ensurePublication,
  type TableInfo,
  type TableRef,
} from './source-catalog.js';

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

export interface ChangeCaptureStats {
  readonly snapshotRows: number;
  /** Row changes of confirmed transactions, published and acknowledged (snapshot reads included; tombstones not). */
  readonly changesPublished: number;
  /** Records (tombstones included) Kafka acknowledged, confirmed or not yet. */
  readonly recordsAcknowledged: number;
  readonly transactionsConfirmed: number;
  readonly confirmedLsn: string;
  readonly pendingRecords: number;
  readonly reconnects: number;
  readonly publishRetries: number;
}

export interface ChangeCapture {
  readonly tables: readonly TableInfo[];
  stats(): ChangeCaptureStats;
  /** Resolves when every change committed on the source up to now is acknowledged by Kafka. */
  caughtUp(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const PUBLISH_CHUNK = 1000;

// Text output in a fixed form the encoders rely on, whatever the server's defaults.
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c extra_float_digits=3 -c bytea_output=hex';

interface PendingTransaction {
  readonly records: OutputRecord[];
  readonly changes: number;
  /** End of the commit record: what the slot may confirm once the records are acknowledged. */
  readonly endLsn: bigint;
}

/** pgoutput with every value left as PostgreSQL's text, so the encoders see exactly what the server wrote. */
class TextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    // The parser caches this relation object and decodes later tuples with these parsers.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = (raw: unknown) => raw;
    return message;
  }
}

export async function startChangeCapture(options: ChangeCaptureOptions): Promise<ChangeCapture> {
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`[cdc] ${m}\n`));
  const publication = options.publicationName ?? `${options.slotName}_publication`;
  const maxPending = options.maxPendingRecords ?? 20_000;
  const connection = { connectionString: options.sourceUrl, options: SESSION_OPTIONS };

  // A pool, not a client: after the source restarts, the next query opens a new connection.
  const catalog = new pg.Pool({ ...connection, max: 2 });
  catalog.on('error', (error) => warn(`catalog connection: ${error.message}`));
  const closers: (() => Promise<unknown>)[] = [() => catalog.end()];
  const types = new ColumnTypes(catalog);
  const knownTopics = new Set<string>();
  const ensureTopic = async (ref: TableRef) => {
    const topic = `${options.topicPrefix}.${ref.schema}.${ref.table}`;
    if (knownTopics.has(topic)) return;
    await options.ensureTopic?.(topic);
    knownTopics.add(topic);
  };

  let tables: TableInfo[];
  let database: string;
  let sourceId: string;
  try {
    await checkLogicalReplication(catalog);
    const requested = options.tables?.map(parseTableName);
    const published = await ensurePublication(catalog, publication, requested);
    tables = await Promise.all(published.map((t) => describeTable(catalog, t)));
    checkCapturable(tables);
    for (const t of tables) await ensureTopic(t);
    const ident = (
      await catalog.query<{ id: string; db: string }>(
        'SELECT system_identifier::text AS id, current_database() AS db FROM pg_control_system()',
      )
    ).rows[0];
    database = ident?.db ?? 'unknown';
    sourceId = `${ident?.id}/${database}`;
  } catch (error) {
    await catalog.end().catch(() => {});
    throw error;
  }

  const counters = {
    snapshotRows: 0,
    changesPublished: 0,
    recordsAcknowledged: 0,
    transactionsConfirmed: 0,
    reconnects: 0,
    publishRetries: 0,
  };
  let stopping = false;

  /** Publishes until Kafka acknowledges (retrying with backoff), unless the capture stops. */
  const publishAcknowledged = async (records: OutputRecord[]): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      if (stopping) return false;
      try {
        await options.publisher.publish(records);
        return true;
      } catch (error) {
        counters.publishRetries++;
        if (attempt % 5 === 0) warn(`Kafka did not acknowledge ${records.length} change record(s), retrying: ${(error as Error).message}`);
        await sleep(Math.min(200 * 2 ** Math.min(attempt, 4), 3000));
      }
    }
  };

  // --- the slot and, when not done before, the initial snapshot -------------------------------
  const slotRow = (
    await catalog.query<{ confirmed_flush_lsn: string | null; plugin: string }>(
      'SELECT confirmed_flush_lsn::text, plugin::text FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()',
      [options.slotName],
    )
  ).rows[0];
  if (slotRow && slotRow.plugin !== 'pgoutput') {
    await catalog.end();
    throw new SourceNotReadyError(`replication slot ${options.slotName} exists with plugin ${slotRow.plugin}, not pgoutput`);
  }
  const marker = slotRow ? readSnapshotMarker(options.stateDir, options.slotName, sourceId) : undefined;
  let confirmed: bigint;
  if (slotRow?.confirmed_flush_lsn && marker) {
    confirmed = parseLsn(slotRow.confirmed_flush_lsn);
  } else {
    if (slotRow) {
      warn(`slot ${options.slotName} has no completed snapshot: dropping it and snapshotting again`);
      await catalog.query('SELECT pg_drop_replication_slot($1)', [options.slotName]);
    }
    removeSnapshotMarker(options.stateDir, options.slotName);
    confirmed = await createSlotAndSnapshot();
  }

  async function createSlotAndSnapshot(): Promise<bigint> {
    // The exported snapshot lives as long as this replication connection stays open and idle.
    const replication = new pg.Client({ ...connection, replication: 'database' } as pg.ClientConfig);
    // A server going away mid-snapshot fails the pending query; without a listener pg would also
    // throw the connection's 'error' event out of the process.
    replication.on('error', (error) => warn(`snapshot replication connection: ${error.message}`));
    await replication.connect();
    const snapshotDb = new pg.Client(connection);
    snapshotDb.on('error', (error) => warn(`snapshot connection: ${error.message}`));
    await snapshotDb.connect();
    try {
      const version = Number((await catalog.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v ?? 0);
      const created = await replication.query<{ consistent_point: string; snapshot_name: string }>(
        version >= 150000
          ? `CREATE_REPLICATION_SLOT "${options.slotName}" LOGICAL pgoutput (SNAPSHOT 'export')`
          : `CREATE_REPLICATION_SLOT "${options.slotName}" LOGICAL pgoutput EXPORT_SNAPSHOT`,
      );
      const slot = created.rows[0];
      if (!slot) throw new ChangeCaptureError('CREATE_REPLICATION_SLOT returned nothing');
      const consistentPoint = parseLsn(slot.consistent_point);
      const context = {
        topicPrefix: options.topicPrefix,
        database,
        lsn: consistentPoint,
        lastCommitLsn: null,
        txId: null,
        commitTimeMs: Date.now(),
      };
      counters.snapshotRows = await runInitialSnapshot({
        db: snapshotDb,
        snapshotName: slot.snapshot_name,
        tables,
        types,
        context,
        publish: async (records) => {
          if (!(await publishAcknowledged(records))) throw new ChangeCaptureError('stopped during the snapshot');
          counters.changesPublished += records.filter((r) => r.value !== null).length;
        },
      });
      writeSnapshotMarker(options.stateDir, {
        slot: options.slotName,
        source: sourceId,
        consistentPoint: slot.consistent_point,
        completedAt: new Date().toISOString(),
      });
      return consistentPoint;
    } finally {
      await snapshotDb.end().catch(() => {});
      await replication.end().catch(() => {});
    }
  }

  // --- streaming ----------------------------------------------------------------------------
  const queue: PendingTransaction[] = [];
  let pendingRecords = 0;
  let lastCommitLsn: bigint | null = confirmed;
  let current: { records: OutputRecord[]; changes: number; xid: number; commitTimeMs: number } | undefined;
  const tableInfo = new Map<number, Promise<TableInfo>>();
  let service: LogicalReplicationService | undefined;
  let generation = 0;
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of wakers) w();
    wakers.clear();
  };
  const nextWake = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakers.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  const acknowledge = () => {
    // The library reports lsn + 1 as written/flushed/applied; confirm exactly `confirmed`.
    service?.acknowledge(formatLsn(confirmed - 1n)).catch(() => {});
  };

  const rowChange = async (
    relation: Pgoutput.MessageRelation,
    op: RowChange['op'],
    before: TextRow | null,
    after: TextRow | null,
  ): Promise<RowChange> => {
    let info = tableInfo.get(relation.relationOid);
    if (!info) {
      info = describeTable(catalog, { schema: relation.schema, table: relation.name });
      tableInfo.set(relation.relationOid, info);
    }
    const columns: ColumnSpec[] = await Promise.all(
      relation.columns.map(async (c) => ({ name: c.name, type: await types.get(c.typeOid), typmod: c.typeMod })),
    );
    return { table: await info, columns, op, before, after };
  };

  const onMessage = async (lsnText: string, message: Pgoutput.Message, myGeneration: number): Promise<void> => {
    if (myGeneration !== generation) return;
    const lsn = parseLsn(lsnText);
    const context = (): ChangeContext => ({
      topicPrefix: options.topicPrefix,
      database,
      lsn,
      lastCommitLsn,
      txId: current?.xid ?? null,
      commitTimeMs: current?.commitTimeMs ?? Date.now(),
      snapshot: 'false',
    });
    const add = (change: RowChange) => {
      if (!current) throw new ChangeCaptureError(`change outside a transaction at ${lsnText}`);
      current.records.push(...changeRecords(change, context()));
      current.changes++;
    };
    switch (message.tag) {
      case 'begin':
        current = { records: [], changes: 0, xid: message.xid, commitTimeMs: Math.floor(Number(message.commitTime) / 1000) };
        return;
      case 'relation':
        // A new or altered table: look its key up again, and make its topic exist.
        tableInfo.delete(message.relationOid);
        await ensureTopic({ schema: message.schema, table: message.name });
        return;
      case 'insert':
        add(await rowChange(message.relation, 'c', null, message.new as TextRow));
        return;
      case 'update': {
        const change = await rowChange(message.relation, 'u', (message.old ?? null) as TextRow | null, message.new as TextRow);
        const oldKey = message.key as TextRow | null;
        if (oldKey && change.table.primaryKey.some((k) => oldKey[k] !== undefined && oldKey[k] !== change.after?.[k])) {
          // The primary key changed: Debezium writes a delete (and tombstone) of the old key, then a create.
          add({ ...change, op: 'd', before: oldKey, after: null });
          add({ ...change, op: 'c', before: null });
        } else add(change);
        return;
      }
      case 'delete':
        add(await rowChange(message.relation, 'd', (message.old ?? message.key) as TextRow, null));
        return;
      case 'truncate':
        warn(
          `TRUNCATE of ${message.relations.map((r) => `${r.schema}.${r.name}`).join(', ')} is not captured (Debezium skips it by default)`,
        );
        return;
      case 'commit': {
        const endLsn = message.commitEndLsn ? parseLsn(message.commitEndLsn) : lsn;
        if (current) {
          queue.push({ records: current.records, changes: current.changes, endLsn });
          pendingRecords += current.records.length;
        }
        current = undefined;
        lastCommitLsn = message.commitLsn ? parseLsn(message.commitLsn) : lsn;
        wake();
        // Backpressure: the library does not read on while this handler waits.
        while (pendingRecords >= maxPending && !stopping && myGeneration === generation) await nextWake(100);
        return;
      }
      default:
        return;
    }
  };

  // Publishes committed transactions in order, many per request, and confirms their end LSN.
  const flusher = (async () => {
    while (!stopping) {
      if (queue.length === 0) {
        await nextWake(1000);
        continue;
      }
      const batch: PendingTransaction[] = [];
      let size = 0;
      while (queue.length > 0 && size < 5000) {
        const tx = queue.shift() as PendingTransaction;
        batch.push(tx);
        size += tx.records.length;
      }
      const myGeneration = generation;
      const records = batch.flatMap((t) => t.records);
      let published = true;
      // In requests of at most PUBLISH_CHUNK records; the end LSN is confirmed only after the last.
      for (let i = 0; i < records.length && published; i += PUBLISH_CHUNK) {
        const chunk = records.slice(i, i + PUBLISH_CHUNK);
        published = await publishAcknowledged(chunk);
        if (published) counters.recordsAcknowledged += chunk.length;
      }
      pendingRecords -= size;
      if (!published || myGeneration !== generation) continue;
      const last = batch.at(-1) as PendingTransaction;
      if (last.endLsn > confirmed) confirmed = last.endLsn;
      counters.transactionsConfirmed += batch.length;
      counters.changesPublished += batch.reduce((n, t) => n + t.changes, 0);
      acknowledge();
      wake();
    }
  })();

  let reconnecting: Promise<void> | undefined;
  const subscribe = async (): Promise<void> => {
    const myGeneration = ++generation;
    const next = new LogicalReplicationService(connection, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    service = next;
    next.on('data', (lsn: string, message: Pgoutput.Message) => onMessage(lsn, message, myGeneration).catch(fail));
    next.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) acknowledge();
    });
    next.on('error', (error: Error) => fail(error));
    const plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [publication], messages: true });
    // Resolves when the stream ends; START_REPLICATION from 0/0 continues at the slot's confirmed LSN.
    next.subscribe(plugin, options.slotName, '0/0').then(
      () => (stopping ? undefined : fail(new ChangeCaptureError('replication stream ended'))),
      (error: unknown) => fail(error),
    );
    await new Promise<void>((resolve, reject) => {
      next.once('start', () => resolve());
      next.once('error', reject);
    });
  };

  async function destroyService(): Promise<void> {
    const current = service;
    service = undefined;
    await current?.destroy().catch(() => {});
  }

  /** Any failure of the stream: drop what is not confirmed and start again from the confirmed LSN. */
  function fail(error: unknown): void {
    if (stopping || reconnecting) return;
    warn(`replication stream failed (${(error as Error)?.message ?? String(error)}); reconnecting from ${formatLsn(confirmed)}`);
    reconnecting = (async () => {
      generation++;
      await destroyService();
      queue.length = 0;
      pendingRecords = 0;
      current = undefined;
      tableInfo.clear();
      for (let attempt = 0; !stopping; attempt++) {
        await sleep(Math.min(500 * 2 ** Math.min(attempt, 3), 5000));
        try {
          lastCommitLsn = confirmed;
          await subscribe();
          counters.reconnects++;
          break;
        } catch (retryError) {
          if (attempt % 5 === 0) warn(`cannot resume replication yet: ${(retryError as Error).message}`);
          await destroyService();
        }
      }
      reconnecting = undefined;
    })();
  }

  try {
    // A walsender of a capture that was just killed can hold the slot until the server notices.
    for (let attempt = 0; ; attempt++) {
      try {
        await subscribe();
        break;
      } catch (error) {
        if (attempt >= 30 || !/is active for PID/i.test((error as Error).message)) throw error;
        await destroyService();
        await sleep(1000);
      }
    }
  } catch (error) {
    stopping = true;
    wake();
    await flusher;
    await destroyService();
    await catalog.end().catch(() => {});
    throw new ChangeCaptureError(`cannot start replication from slot ${options.slotName}: ${(error as Error).message}`, { cause: error });
  }
  const keepAlive = setInterval(acknowledge, 1000);
  closers.unshift(async () => clearInterval(keepAlive));

  return {
    tables,
    stats: () => ({
      ...counters,
      confirmedLsn: formatLsn(confirmed),
      pendingRecords,
    }),
    async caughtUp(timeoutMs) {
      // A transactional logical message: its transaction is confirmed only after everything
      // committed before it was acknowledged by Kafka.
      const mark = await catalog.query<{ lsn: string }>("SELECT pg_logical_emit_message(true, 'tributary-cdc', 'caught-up')::text AS lsn");
      const target = parseLsn(mark.rows[0]?.lsn ?? '0/0');
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (confirmed > target) return true;
        await sleep(20);
      }
      return false;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      wake();
      await flusher;
      await reconnecting;
      await destroyService();
      for (const close of closers) await close().catch(() => {});
    },
  };
}

function parseTableName(name: string): TableRef {
  const [schema, table, extra] = name.split('.');
  if (!schema || !table || extra !== undefined) throw new ChangeCaptureError(`table "${name}" must be written schema.table`);
  return { schema, table };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
