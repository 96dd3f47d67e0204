/** Turns the pgoutput messages of the stream into committed transactions of Debezium records. */
import type pg from 'pg';
import type { Pgoutput } from 'pg-logical-replication';
import type { OutputRecord } from '../../src/kafka/msk-event.js';
import type { CaptureTopics } from './capture-source.js';
import type { CaptureState } from './capture-state.js';
import { type ChangeContext, type ColumnSpec, changeRecords, type RowChange, type TextRow } from './change-records.js';
import type { ColumnTypes } from './column-types.js';
import { ChangeCaptureError } from './errors.js';
import { parseLsn } from './lsn.js';
import { describeTable, type TableInfo } from './source-catalog.js';

export interface AssemblerSetup {
  readonly state: CaptureState;
  readonly catalog: pg.Pool;
  readonly types: ColumnTypes;
  readonly topics: CaptureTopics;
  readonly topicPrefix: string;
  readonly database: string;
  /** Pending records at which replication pauses. */
  readonly maxPending: number;
  readonly warn: (message: string) => void;
}

interface OpenTransaction {
  readonly records: OutputRecord[];
  changes: number;
  readonly xid: number;
  readonly commitTimeMs: number;
}

export class TransactionAssembler {
  private current: OpenTransaction | undefined;
  private lastCommitLsn: bigint | null;
  private readonly tableInfo = new Map<number, Promise<TableInfo>>();

  constructor(private readonly setup: AssemblerSetup) {
    this.lastCommitLsn = setup.state.confirmed;
  }

  /** Forgets the open transaction and the tables' descriptions (the stream is being replaced). */
  reset(): void {
    this.current = undefined;
    this.tableInfo.clear();
  }

  /** The stream continues after `lsn`, the last commit seen. */
  resumeFrom(lsn: bigint): void {
    this.lastCommitLsn = lsn;
  }

  /** Ignores messages of an older stream (`generation` no longer the current one). */
  async handle(lsnText: string, message: Pgoutput.Message, generation: number): Promise<void> {
    if (generation !== this.setup.state.generation) return;
    const lsn = parseLsn(lsnText);
    switch (message.tag) {
      case 'begin':
        this.current = { records: [], changes: 0, xid: message.xid, commitTimeMs: Math.floor(Number(message.commitTime) / 1000) };
        return;
      case 'relation':
        // A new or altered table: look its key up again, and make its topic exist.
        this.tableInfo.delete(message.relationOid);
        await this.setup.topics.ensure({ schema: message.schema, table: message.name });
        return;
      case 'insert':
        this.add(await this.rowChange(message.relation, 'c', null, message.new as TextRow), lsn, lsnText);
        return;
      case 'update':
        return this.update(message, lsn, lsnText);
      case 'delete':
        this.add(await this.rowChange(message.relation, 'd', (message.old ?? message.key) as TextRow, null), lsn, lsnText);
        return;
      case 'truncate':
        this.setup.warn(
          `TRUNCATE of ${message.relations.map((r) => `${r.schema}.${r.name}`).join(', ')} is not captured (Debezium skips it by default)`,
        );
        return;
      case 'commit':
        return this.commit(message, lsn, generation);
      default:
        return;
    }
  }

  private async update(message: Pgoutput.MessageUpdate, lsn: bigint, lsnText: string): Promise<void> {
    const change = await this.rowChange(message.relation, 'u', (message.old ?? null) as TextRow | null, message.new as TextRow);
    const oldKey = message.key as TextRow | null;
    if (oldKey && change.table.primaryKey.some((k) => oldKey[k] !== undefined && oldKey[k] !== change.after?.[k])) {
      // The primary key changed: Debezium writes a delete (and tombstone) of the old key, then a create.
      this.add({ ...change, op: 'd', before: oldKey, after: null }, lsn, lsnText);
      this.add({ ...change, op: 'c', before: null }, lsn, lsnText);
    } else this.add(change, lsn, lsnText);
  }

  private async commit(message: Pgoutput.MessageCommit, lsn: bigint, generation: number): Promise<void> {
    const { state, maxPending } = this.setup;
    const endLsn = message.commitEndLsn ? parseLsn(message.commitEndLsn) : lsn;
    if (this.current) state.pending.push({ records: this.current.records, changes: this.current.changes, endLsn });
    this.current = undefined;
    this.lastCommitLsn = message.commitLsn ? parseLsn(message.commitLsn) : lsn;
    state.wakeups.wake();
    // Backpressure: the library does not read on while this handler waits.
    while (state.pending.records >= maxPending && !state.stopping && generation === state.generation) await state.wakeups.next(100);
  }

  private add(change: RowChange, lsn: bigint, lsnText: string): void {
    const current = this.current;
    if (!current) throw new ChangeCaptureError(`change outside a transaction at ${lsnText}`);
    current.records.push(...changeRecords(change, this.context(lsn)));
    current.changes++;
  }

  private context(lsn: bigint): ChangeContext {
    return {
      topicPrefix: this.setup.topicPrefix,
      database: this.setup.database,
      lsn,
      lastCommitLsn: this.lastCommitLsn,
      txId: this.current?.xid ?? null,
      commitTimeMs: this.current?.commitTimeMs ?? Date.now(),
      snapshot: 'false',
    };
  }

  private async rowChange(
    relation: Pgoutput.MessageRelation,
    op: RowChange['op'],
    before: TextRow | null,
    after: TextRow | null,
  ): Promise<RowChange> {
    let info = this.tableInfo.get(relation.relationOid);
    if (!info) {
      info = describeTable(this.setup.catalog, { schema: relation.schema, table: relation.name });
      this.tableInfo.set(relation.relationOid, info);
    }
    const columns: ColumnSpec[] = await Promise.all(
      relation.columns.map(async (c) => ({ name: c.name, type: await this.setup.types.get(c.typeOid), typmod: c.typeMod })),
    );
    return { table: await info, columns, op, before, after };
  }
}
