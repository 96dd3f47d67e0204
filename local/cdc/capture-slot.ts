/**
 * The capture's replication slot: reused when its initial snapshot completed, otherwise (re)created
 * and the snapshot published from the snapshot the slot exported.
 */
import pg from 'pg';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { CapturedSource, SourceConnection } from './capture-source.js';
import type { CaptureCounters } from './capture-state.js';
import type { ColumnTypes } from './column-types.js';
import { ChangeCaptureError, SourceNotReadyError } from './errors.js';
import { runInitialSnapshot } from './initial-snapshot.js';
import { parseLsn } from './lsn.js';
import { readSnapshotMarker, removeSnapshotMarker, writeSnapshotMarker } from './snapshot-marker.js';

export interface SlotSetup {
  readonly catalog: pg.Pool;
  readonly connection: SourceConnection;
  readonly slotName: string;
  readonly stateDir: string;
  readonly topicPrefix: string;
  readonly source: CapturedSource;
  readonly types: ColumnTypes;
  readonly counters: CaptureCounters;
  /** Publishes snapshot records; resolves once Kafka acknowledged them, false when the capture stopped. */
  readonly publish: (records: OutputRecord[]) => Promise<boolean>;
  readonly warn: (message: string) => void;
}

/** Returns the LSN the stream continues from: the slot's confirmed LSN, or a new slot's consistent point. */
export async function prepareSlot(setup: SlotSetup): Promise<bigint> {
  const { catalog, slotName, stateDir, warn } = setup;
  const slotRow = (
    await catalog.query<{ confirmed_flush_lsn: string | null; plugin: string }>(
      'SELECT confirmed_flush_lsn::text, plugin::text FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()',
      [slotName],
    )
  ).rows[0];
  if (slotRow && slotRow.plugin !== 'pgoutput') {
    await catalog.end();
    throw new SourceNotReadyError(`replication slot ${slotName} exists with plugin ${slotRow.plugin}, not pgoutput`);
  }
  const marker = slotRow ? readSnapshotMarker(stateDir, slotName, setup.source.sourceId) : undefined;
  if (slotRow?.confirmed_flush_lsn && marker) return parseLsn(slotRow.confirmed_flush_lsn);
  if (slotRow) {
    warn(`slot ${slotName} has no completed snapshot: dropping it and snapshotting again`);
    await catalog.query('SELECT pg_drop_replication_slot($1)', [slotName]);
  }
  removeSnapshotMarker(stateDir, slotName);
  return createSlotAndSnapshot(setup);
}

async function createSlotAndSnapshot(setup: SlotSetup): Promise<bigint> {
  const { connection, slotName, warn, counters } = setup;
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
    const slot = await createSlot(setup.catalog, replication, slotName);
    const consistentPoint = parseLsn(slot.consistent_point);
    const context = {
      topicPrefix: setup.topicPrefix,
      database: setup.source.database,
      lsn: consistentPoint,
      lastCommitLsn: null,
      txId: null,
      commitTimeMs: Date.now(),
    };
    counters.snapshotRows = await runInitialSnapshot({
      db: snapshotDb,
      snapshotName: slot.snapshot_name,
      tables: setup.source.tables,
      types: setup.types,
      context,
      publish: async (records) => {
        if (!(await setup.publish(records))) throw new ChangeCaptureError('stopped during the snapshot');
        counters.changesPublished += records.filter((r) => r.value !== null).length;
      },
    });
    writeSnapshotMarker(setup.stateDir, {
      slot: slotName,
      source: setup.source.sourceId,
      consistentPoint: slot.consistent_point,
      completedAt: new Date().toISOString(),
    });
    return consistentPoint;
  } finally {
    await snapshotDb.end().catch(() => {});
    await replication.end().catch(() => {});
  }
}

async function createSlot(
  catalog: pg.Pool,
  replication: pg.Client,
  slotName: string,
): Promise<{ consistent_point: string; snapshot_name: string }> {
  const version = Number((await catalog.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v ?? 0);
  const created = await replication.query<{ consistent_point: string; snapshot_name: string }>(
    version >= 150000
      ? `CREATE_REPLICATION_SLOT "${slotName}" LOGICAL pgoutput (SNAPSHOT 'export')`
      : `CREATE_REPLICATION_SLOT "${slotName}" LOGICAL pgoutput EXPORT_SNAPSHOT`,
  );
  const slot = created.rows[0];
  if (!slot) throw new ChangeCaptureError('CREATE_REPLICATION_SLOT returned nothing');
  return slot;
}
